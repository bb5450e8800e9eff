"""Regulatory limits as data: what a lender may grant, per jurisdiction and product type.

Pure (no Django). Each limit names its source so a decision step can cite it.

* ``CN-internet-consumer-200k``: internet lending (互联网贷款) of personal consumer credit is at
  most RMB 200,000 per borrower per lender (《商业银行互联网贷款管理暂行办法》 as tightened by
  the 2021 notice 银保监办发〔2021〕24号 and the consumer-finance rules). Counted on credit granted:
  open credit-line limits plus the outstanding principal of one-off loans, unsecured types only.
* ``CN-bullet-1y``: a single-bullet loan (一次性还本付息) runs at most one year.
* ``CN-policy-loan``: a policy loan (保单贷) lends at most 90% of the policy's cash value, for
  at most 6 months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.money import ZERO

UNSECURED_CONSUMER_TYPES = (
    "ecommerce_installment",
    "cash_loan",
    "balance_transfer",
    "scene_education",
    "scene_car",
    "scene_medical",
)
SECURED_TYPES = ("policy_loan",)
BULLET_METHOD = "bullet"
DAYS_PER_PERIOD = {"daily": 1, "weekly": 7, "biweekly": 14}


@dataclass(frozen=True, slots=True)
class ExposureLimit:
    name: str
    jurisdiction: str
    amount: Decimal
    currency: str
    applies_to: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class TermLimit:
    name: str
    jurisdiction: str
    max_months: int
    applies_to_method: str | None = None
    applies_to_type: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class CollateralLimit:
    name: str
    jurisdiction: str
    product_type: str
    max_advance_ratio: Decimal
    max_months: int
    source: str


EXPOSURE_LIMITS: tuple[ExposureLimit, ...] = (
    ExposureLimit(
        "CN-internet-consumer-200k",
        "CN",
        Decimal("200000.00"),
        "CNY",
        UNSECURED_CONSUMER_TYPES,
        "Internet personal consumer credit ≤ RMB 200,000 per borrower per lender",
    ),
)
TERM_LIMITS: tuple[TermLimit, ...] = (
    TermLimit(
        "CN-bullet-1y",
        "CN",
        12,
        applies_to_method=BULLET_METHOD,
        source="Single-bullet loans run at most one year",
    ),
)
COLLATERAL_LIMITS: tuple[CollateralLimit, ...] = (
    CollateralLimit(
        "CN-policy-loan",
        "CN",
        "policy_loan",
        Decimal("0.90"),
        6,
        "Policy loans: at most 90% of the cash value, at most 6 months",
    ),
)


class LimitBreach(ValueError):
    """A request beyond a regulatory limit; ``limit`` names the rule."""

    def __init__(self, message: str, *, limit: str):
        super().__init__(message)
        self.limit = limit


def exposure_limit(jurisdiction: str, product_type: str) -> ExposureLimit | None:
    for limit in EXPOSURE_LIMITS:
        if limit.jurisdiction == jurisdiction and product_type in limit.applies_to:
            return limit
    return None


def exposure_headroom(jurisdiction: str, product_type: str, exposure: Decimal) -> Decimal | None:
    """What may still be granted to a borrower with ``exposure`` (None: no such limit)."""
    limit = exposure_limit(jurisdiction, product_type)
    if limit is None:
        return None
    return max(limit.amount - exposure, ZERO)


def term_months(term: int, frequency: str) -> Decimal:
    """A term of ``term`` periods of ``frequency`` in months (days / 30 for day-based periods)."""
    if frequency == "monthly":
        return Decimal(term)
    if frequency == "quarterly":
        return Decimal(term * 3)
    days = DAYS_PER_PERIOD.get(frequency)
    if days is None:
        return Decimal(term)
    return Decimal(term * days) / Decimal(30)


def term_check(
    *, jurisdiction: str, product_type: str, method: str, term: int, frequency: str
) -> None:
    """Refuse a term longer than the jurisdiction allows for the method or product type."""
    months = term_months(term, frequency)
    for limit in TERM_LIMITS:
        if limit.jurisdiction != jurisdiction:
            continue
        applies = (limit.applies_to_method is not None and method == limit.applies_to_method) or (
            limit.applies_to_type is not None and product_type == limit.applies_to_type
        )
        if applies and months > limit.max_months:
            raise LimitBreach(
                f"{limit.source}: {term} {frequency} periods is {months:.1f} months.",
                limit=limit.name,
            )
    collateral = collateral_limit(jurisdiction, product_type)
    if collateral is not None and months > collateral.max_months:
        raise LimitBreach(
            f"{collateral.source}: {term} {frequency} periods is {months:.1f} months.",
            limit=collateral.name,
        )


def collateral_limit(jurisdiction: str, product_type: str) -> CollateralLimit | None:
    for limit in COLLATERAL_LIMITS:
        if limit.jurisdiction == jurisdiction and limit.product_type == product_type:
            return limit
    return None


def collateral_max_amount(
    *, jurisdiction: str, product_type: str, cash_value: Decimal
) -> Decimal | None:
    """The most a pledged cash value secures, rounded down to the cent (None: not secured)."""
    limit = collateral_limit(jurisdiction, product_type)
    if limit is None:
        return None
    return (cash_value * limit.max_advance_ratio).quantize(Decimal("0.01"), rounding="ROUND_DOWN")


def collateral_check(
    *, jurisdiction: str, product_type: str, amount: Decimal, cash_value: Decimal | None
) -> None:
    limit = collateral_limit(jurisdiction, product_type)
    if limit is None:
        return
    if cash_value is None or cash_value <= 0:
        raise LimitBreach(f"{limit.source}: no cash value pledged.", limit=limit.name)
    ceiling = collateral_max_amount(
        jurisdiction=jurisdiction, product_type=product_type, cash_value=cash_value
    )
    if amount > ceiling:
        raise LimitBreach(
            f"{limit.source}: {amount} is above {limit.max_advance_ratio:%} of the cash value "
            f"{cash_value} ({ceiling}).",
            limit=limit.name,
        )


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month
