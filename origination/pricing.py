"""Risk-based pricing (风险定价): the band, the limit and the rate of an offer, and the dynamic
rate of each drawdown. Pure (no Django); policy sections are plain mappings.

* Band: the highest band whose ``min_score`` the score reaches; below every band there is none.
* Limit: the smallest of the band's income multiple × declared monthly income, the band's
  maximum, the product's maximum, the regulatory headroom (and for one-off loans the amount
  asked and, when secured, the collateral's ceiling), rounded down to the policy's unit.
* Rate: the band's rate, never above the jurisdiction's cap; the APR by IRR of the offer (fees
  included) is checked too, and the rate lowered until it passes (``priced_quote``).
* Dynamic and tiered pricing at drawdown: a first-loan discount, a discount per block of
  installments paid on time (late ones count against), never below the policy's floor and never
  above the cap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal

from calc.contract_terms import schedule_terms
from calc.quote import Quote, quote
from core.money import ZERO

CENT = Decimal("0.01")
RATE_STEP = Decimal("0.0001")
MAX_CAP_ITERATIONS = 8


class PricingRuleError(ValueError):
    """Terms that cannot be priced within the cap; the message says why."""


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    min_score: int
    annual_rate: Decimal
    income_multiple: Decimal
    max_limit: Decimal


def bands_from_policy(items: Sequence[Mapping[str, object]]) -> tuple[Band, ...]:
    bands = tuple(
        Band(
            str(item["name"]),
            int(item["min_score"]),
            Decimal(str(item["annual_rate"])),
            Decimal(str(item["income_multiple"])),
            Decimal(str(item["max_limit"])),
        )
        for item in items
    )
    return tuple(sorted(bands, key=lambda band: band.min_score, reverse=True))


def band_for(bands: Sequence[Band], score: int) -> Band | None:
    for band in bands:
        if score >= band.min_score:
            return band
    return None


@dataclass(frozen=True, slots=True)
class LimitDecision:
    limit: Decimal
    binding: str
    """Which cap decided the limit (income, band, product, regulatory, requested, collateral)."""
    caps: Mapping[str, Decimal] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "limit": str(self.limit),
            "binding": self.binding,
            "caps": {name: str(value) for name, value in self.caps.items()},
        }


def credit_limit(
    *,
    band: Band,
    monthly_income: Decimal,
    product_max: Decimal,
    regulatory_headroom: Decimal | None,
    rounding_unit: Decimal,
    requested: Decimal | None = None,
    collateral_max: Decimal | None = None,
) -> LimitDecision:
    """The limit an offer grants: the smallest cap, rounded down to ``rounding_unit``."""
    caps: dict[str, Decimal] = {
        "income": monthly_income * band.income_multiple,
        "band": band.max_limit,
        "product": product_max,
    }
    if regulatory_headroom is not None:
        caps["regulatory"] = regulatory_headroom
    if requested is not None:
        caps["requested"] = requested
    if collateral_max is not None:
        caps["collateral"] = collateral_max
    binding = min(caps, key=lambda name: caps[name])  # first smallest, in the order above
    limit = (caps[binding] / rounding_unit).to_integral_value(rounding=ROUND_DOWN) * rounding_unit
    return LimitDecision(max(limit, ZERO).quantize(CENT), binding, caps)


@dataclass(frozen=True, slots=True)
class DynamicRate:
    annual_rate: Decimal
    base_rate: Decimal
    adjustments: tuple[tuple[str, Decimal], ...]

    def adjustments_as_list(self) -> list[dict[str, str]]:
        return [{"reason": reason, "change": str(change)} for reason, change in self.adjustments]


def drawdown_rate(
    *,
    base_rate: Decimal,
    cap: Decimal | None,
    config: Mapping[str, object],
    is_first_loan: bool,
    on_time_installments: int,
    late_installments: int,
) -> DynamicRate:
    """The rate of the next drawdown: the line's rate, less the first-loan discount or the
    on-time-history discount, floored (discounts never take it below ``floor_rate``) and capped.
    ``config`` is the policy's ``dynamic_pricing`` section."""
    adjustments: list[tuple[str, Decimal]] = []
    rate = base_rate
    if is_first_loan:
        discount = Decimal(str(config.get("first_loan_discount", "0")))
        if discount:
            adjustments.append(("first_loan_discount", -discount))
    step = int(config.get("on_time_step", 0) or 0)
    if step > 0:
        late_weight = int(config.get("late_weight", 3))
        credited = max(on_time_installments - late_weight * late_installments, 0)
        blocks = credited // step
        per_block = Decimal(str(config.get("on_time_step_discount", "0")))
        ceiling = Decimal(str(config.get("max_on_time_discount", "0")))
        discount = min(per_block * blocks, ceiling)
        if discount:
            adjustments.append(("on_time_history", -discount))
    for _, change in adjustments:
        rate += change
    floor = Decimal(str(config.get("floor_rate", "0")))
    if adjustments and rate < min(floor, base_rate):
        adjustments.append(("floor", min(floor, base_rate) - rate))
        rate = min(floor, base_rate)
    if cap is not None and rate > cap:
        adjustments.append(("cap", cap - rate))
        rate = cap
    return DynamicRate(rate, base_rate, tuple(adjustments))


def priced_quote(
    product: Mapping[str, object],
    *,
    principal: Decimal,
    term: int,
    start_date: date,
    annual_rate: Decimal,
    fee_rate: Decimal | None = None,
) -> tuple[Decimal, Quote]:
    """The quote at ``annual_rate``, or at the highest lower rate whose APR by IRR (fees
    included) is within the jurisdiction's cap. Raises ``PricingRuleError`` when even a zero
    rate breaks the cap (the fees alone do)."""
    jurisdiction = str(product["jurisdiction"])
    cap_rule = str(product.get("cap_rule") or "") or None
    rate = annual_rate
    for _ in range(MAX_CAP_ITERATIONS):
        terms = schedule_terms(
            product,
            principal=principal,
            term=term,
            start_date=start_date,
            annual_rate=rate,
            fee_rate=fee_rate,
        )
        result = quote(terms, jurisdiction=jurisdiction, cap_rule=cap_rule)
        check = result.rate_cap
        if check is None or check.within_cap:
            return rate, result
        if rate <= 0:
            break
        # The APR moves about one for one with the rate: step down by the excess, and a little.
        rate = max(rate - (check.apr - check.cap) - RATE_STEP, ZERO).quantize(RATE_STEP, ROUND_DOWN)
    raise PricingRuleError(
        f"no rate prices {principal} over {term} periods within the {jurisdiction} cap: "
        "the fees alone exceed it"
    )
