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
from typing import TYPE_CHECKING

from compliance.apr import AprError, AprResult, apr_by_method
from compliance.rate_caps import CapCheck, capped_check, capped_rate
from loans.calc.quote import Quote
from loans.calc.schedules import ScheduleError
from loans.models import CreditLine, Loan, Product

from .errors import OriginationError
from .facts import product_snapshot, repayment_history
from .pricing import DynamicRate, PricingRuleError, drawdown_rate, priced_quote

if TYPE_CHECKING:
    from .drawdowns import DrawdownRequest

ZERO = Decimal("0.00")
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


def _disclosure(
    priced: Quote, *, withheld: bool, product: Product
) -> tuple[AprResult, CapCheck | None]:
    """The APR disclosed: the quote's, or with an upfront fee paid with the first installment
    (not withheld) the APR of those flows (as `loans.services.origination` discloses it)."""
    schedule = priced.schedule
    fee = schedule.totals.upfront_fee
    if withheld or not fee:
        return priced.apr, priced.rate_cap
    terms = schedule.terms
    flows = schedule.cash_flows()
    flows[0] = (flows[0][0] + fee, flows[0][1])
    apr = apr_by_method(
        priced.apr.method,
        terms.principal,
        terms.start_date,
        flows,
        unit_period=terms.frequency.value,
        guess=terms.periodic_rate,
    )
    check = capped_check(
        apr.nominal, product.jurisdiction, on_date=terms.start_date, rule=product.cap_rule or None
    )
    return apr, check


def drawdown_price(
    line: CreditLine, request: DrawdownRequest, business_date: date
) -> DrawdownPricing:
    product = request.product
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
            principal=request.amount,
            term=request.term,
            start_date=business_date,
            annual_rate=rate,
        )
        fee_rate, subsidy = product.fee_rate, ZERO
        if request.subsidised:
            totals = priced.schedule.totals
            subsidy = totals.interest + totals.fee + totals.upfront_fee
            rate, fee_rate = ZERO, ZERO
            _, priced = priced_quote(
                {**snapshot, "upfront_fee_amount": "0", "upfront_fee_rate": "0"},
                principal=request.amount,
                term=request.term,
                start_date=business_date,
                annual_rate=ZERO,
                fee_rate=ZERO,
            )
        apr, check = _disclosure(priced, withheld=withheld, product=product)
    except (PricingRuleError, ScheduleError, AprError) as exc:
        raise OriginationError(f"The drawdown cannot be priced: {exc}") from exc
    if check is not None and not check.within_cap:
        raise OriginationError(
            f"The APR {apr.nominal:.4%} exceeds the cap {check.cap:.4%} ({check.rule}).",
            apr=str(apr.nominal),
            cap=str(check.cap),
        )
    return DrawdownPricing(rate, fee_rate, dynamic, priced, subsidy, withheld, apr, check)
