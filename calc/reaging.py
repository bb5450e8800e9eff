"""Re-aging rules as data: when a delinquent loan may be brought current.

A jurisdiction's rules are a tuple of limits, each with a name a refusal quotes: at most
``max_count`` re-ages within ``window_months`` months before the date asked, and at least
``min_payments`` consecutive qualifying payments (each at least one regular installment) since
the loan fell behind, counted back from the latest. Shipped (``CN``, and the default): at most
once in 12 months, twice in 5 years, after 3 consecutive qualifying payments — the shape of the
US interagency retail-credit policy (FFIEC 2000), which lenders elsewhere follow as practice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from calc.calendar import add_months


@dataclass(frozen=True, slots=True)
class ReAgeLimit:
    name: str
    max_count: int = 0
    window_months: int = 0
    min_payments: int = 0


DEFAULT_RULES: tuple[ReAgeLimit, ...] = (
    ReAgeLimit("once in 12 months", max_count=1, window_months=12),
    ReAgeLimit("twice in 5 years", max_count=2, window_months=60),
    ReAgeLimit("3 consecutive qualifying payments", min_payments=3),
)
RULES: dict[str, tuple[ReAgeLimit, ...]] = {"CN": DEFAULT_RULES}


def reage_rules(jurisdiction: str) -> tuple[ReAgeLimit, ...]:
    return RULES.get(jurisdiction, DEFAULT_RULES)


def consecutive_qualifying(payments: Sequence[Decimal], installment: Decimal) -> int:
    """How many of the latest payments (oldest first in `payments`) in a row are at least
    `installment`."""
    count = 0
    for amount in reversed(payments):
        if amount < installment:
            break
        count += 1
    return count


def reage_refusal(
    rules: Sequence[ReAgeLimit],
    *,
    on: date,
    earlier: Sequence[date],
    payments: Sequence[Decimal],
    installment: Decimal,
) -> str | None:
    """The first rule a re-age on `on` breaks (None: allowed). `earlier`: the dates of the
    loan's previous re-ages; `payments`: its repayment amounts, oldest first."""
    for rule in rules:
        if rule.max_count:
            since = add_months(on, -rule.window_months)
            if sum(1 for day in earlier if since < day <= on) >= rule.max_count:
                return rule.name
        if rule.min_payments and (
            consecutive_qualifying(payments, installment) < rule.min_payments
        ):
            return rule.name
    return None
