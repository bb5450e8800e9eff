"""The price of a drawdown: the line's band rate with the dynamic discounts (first loan,
on-time history), never above the cap; a merchant-subsidised plan interest- and fee-free for
the borrower with the merchant's subsidy worked out; and the APR disclosed for it.

Fee-priced plans (分期手续费) charge the product's per-period fee, not the line's interest rate:
the dynamic discounts apply to interest-bearing products only. A merchant is paid the full price,
so an upfront fee on a merchant product is paid with the first installment, never withheld."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from calc.apr import AprError, AprResult
from calc.disclosure import disclosed_apr
from calc.quote import Quote
from calc.rate_caps import CapCheck, capped_rate
from calc.schedules import ScheduleError
from core.money import ZERO
from loans.models import Loan, Product
from origination.errors import OriginationError
from origination.models import CreditLine
from origination.pricing import DynamicRate, PricingRuleError, drawdown_rate, priced_quote

from .facts import product_snapshot, repayment_history

MERCHANT_TYPES = ("ecommerce_installment", "scene_education", "scene_car", "scene_medical")
NOT_SIGNED = (Loan.Status.PENDING, Loan.Status.REJECTED, Loan.Status.CANCELLED)


@dataclass(frozen=True)
class DrawdownPricing:
    annual_rate: Decimal
    fee_rate: Decimal
    dynamic: DynamicRate
    quote: Quote
    subsidy: Decimal
    fee_withheld: bool
    apr: AprResult
    cap: CapCheck | None


def drawdown_price(
    line: CreditLine,
    *,
    product: Product,
    amount: Decimal,
    term: int,
    subsidised: bool,
    business_date: date,
) -> DrawdownPricing:
    snapshot = product_snapshot(product)
    flat_fee = product.method == "flat_fee"
    withheld = product.upfront_fee_withheld and product.product_type not in MERCHANT_TYPES
    capped = capped_rate(product.jurisdiction, business_date, product.cap_rule or None)
    cap = None if capped is None else capped[1]
    history = repayment_history([line.borrower_id], business_date)[line.borrower_id]
    first = (
        not Loan.objects.filter(borrower_id=line.borrower_id)
        .exclude(status__in=NOT_SIGNED)
        .exists()
    )
    dynamic = drawdown_rate(
        base_rate=line.annual_rate,
        cap=cap,
        config=line.policy_version.policy.get("dynamic_pricing", {}),
        is_first_loan=first,
        on_time_installments=history["on_time_installments"],
        late_installments=history["late_installments"],
    )
    rate = ZERO if flat_fee else dynamic.annual_rate
    try:
        rate, priced = priced_quote(
            snapshot,
            principal=amount,
            term=term,
            start_date=business_date,
            annual_rate=rate,
        )
        fee_rate, subsidy = product.fee_rate, ZERO
        if subsidised:
            totals = priced.schedule.totals
            subsidy = totals.interest + totals.fee + totals.upfront_fee
            rate, fee_rate = ZERO, ZERO
            _, priced = priced_quote(
                {**snapshot, "upfront_fee_amount": "0", "upfront_fee_rate": "0"},
                principal=amount,
                term=term,
                start_date=business_date,
                annual_rate=ZERO,
                fee_rate=ZERO,
            )
        apr, check = disclosed_apr(
            priced,
            upfront_fee_withheld=withheld,
            jurisdiction=product.jurisdiction,
            cap_rule=product.cap_rule or None,
        )
    except (PricingRuleError, ScheduleError, AprError) as exc:
        raise OriginationError(f"The drawdown cannot be priced: {exc}") from exc
    if check is not None and not check.within_cap:
        raise OriginationError(
            f"The APR {apr.nominal:.4%} exceeds the cap {check.cap:.4%} ({check.rule}).",
            apr=str(apr.nominal),
            cap=str(check.cap),
        )
    return DrawdownPricing(rate, fee_rate, dynamic, priced, subsidy, withheld, apr, check)
