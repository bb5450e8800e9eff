"""From a contract's terms as data to the schedule terms the calculators take: the one place a
product, a product snapshot or a signed loan becomes a `ScheduleTerms`.

`terms` is a mapping with the keys of `TERM_KEYS` (a product's `contract_terms()`, a product
snapshot a decision priced on, or a signed loan's own terms); amounts and rates may be Decimals
or their exact strings, and a snapshot taken before the installment conventions existed gets
their defaults. The minor unit is the currency's (`core.money`), never a default cent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from calc.money import minor_unit_for, to_decimal
from calc.terms import ScheduleTerms

TERM_KEYS = (
    "currency",
    "method",
    "frequency",
    "day_count",
    "rounding",
    "fee_rate",
    "upfront_fee_amount",
    "upfront_fee_rate",
    "calendar",
    "shift_rule",
    "installment_rounding",
    "level_convention",
    "bullet_interest",
)


def schedule_terms(
    terms: Mapping[str, object],
    *,
    principal: Decimal,
    term: int,
    start_date: date,
    annual_rate: Decimal,
    fee_rate: Decimal | None = None,
    first_due_date: date | None = None,
) -> ScheduleTerms:
    """The schedule terms of `principal` over `term` periods from `start_date` at `annual_rate`
    on these contract terms (`fee_rate` overrides theirs, e.g. a subsidised plan's zero)."""
    return ScheduleTerms(
        principal=principal,
        annual_rate=annual_rate,
        term=term,
        start_date=start_date,
        method=str(terms["method"]),
        frequency=str(terms["frequency"]),
        first_due_date=first_due_date,
        day_count=str(terms["day_count"]),
        rounding=str(terms["rounding"]),
        minor_unit=minor_unit_for(str(terms["currency"])),
        fee_rate=to_decimal(terms["fee_rate"]) if fee_rate is None else fee_rate,
        upfront_fee=to_decimal(terms["upfront_fee_amount"]),
        upfront_fee_rate=to_decimal(terms["upfront_fee_rate"]),
        calendar=str(terms.get("calendar") or "") or None,
        shift_rule=str(terms.get("shift_rule") or "none"),
        installment_rounding=str(terms.get("installment_rounding") or "cent"),
        level_convention=str(terms.get("level_convention") or "last_absorbs"),
        bullet_interest=str(terms.get("bullet_interest") or "simple"),
    )
