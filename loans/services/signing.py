"""Signing a loan contract: the one place a product's terms, a priced quote and the disclosure
become a `Loan`.

`loan_sign` copies the product's contract terms (penalty, grace, allocation order, calendar,
cooling-off, charge-off threshold, jurisdiction), takes the schedule terms from the quote the
caller priced (a direct application's risk band, a drawdown's dynamic rate or subsidy), works
out the APR disclosed (`calc.disclosure`) and refuses one above the cap, and writes one
versioned terms snapshot. Direct applications (`loan_create`) and drawdowns
(`origination.services.drawdowns`) both sign through it; a drawdown passes its pricing and
whether an upfront fee is withheld.

The snapshot (`Loan.terms_snapshot`, version 2): the product as it was at signing, the schedule
terms, the level installment, the disclosure and how the price was made. Version 1 snapshots
(written before this service, in two shapes) still read through `signed_terms`.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.core.serializers.json import DjangoJSONEncoder
from django.forms.models import model_to_dict

from calc.disclosure import disclosed_apr
from calc.index_rates import next_reset
from calc.quote import Quote
from core.money import ZERO
from loans.errors import LoanRuleError
from loans.events import loan_created
from loans.models import CreditAssessment, Loan, Product

SNAPSHOT_VERSION = 2


@dataclass(frozen=True)
class Pricing:
    """How the price was made, as the caller knows it: recorded in the snapshot's `pricing`."""

    upfront_fee_withheld: bool | None = None
    """None: as the product says (a merchant plan pays the fee with the first installment)."""
    details: Mapping[str, object] = field(default_factory=dict)
    """E.g. the credit score and band, or a drawdown's credit line, base rate and discounts."""


@dataclass(frozen=True)
class SignedTerms:
    """A loan's terms snapshot, whatever version wrote it."""

    version: int
    product: Mapping[str, object]
    schedule_terms: Mapping[str, object] | None
    level_amount: str | None
    pricing: Mapping[str, object]
    disclosure: Mapping[str, object] | None
    guarantor_contact_allowed: bool

    @property
    def product_code(self) -> str:
        return str(self.product.get("code", ""))


def _as_json(data: Mapping[str, object]) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def loan_sign(
    *,
    borrower_id: int,
    product: Product,
    quote: Quote,
    application_date: date,
    start_date: date,
    first_due_date: date | None = None,
    credit_score: int | None = None,
    credit_assessment: CreditAssessment | None = None,
    pricing: Pricing | None = None,
) -> Loan:
    """A pending loan on `product`'s terms at `quote`'s price. Raises `LoanRuleError` when the
    APR disclosed is above the jurisdiction's cap (with both figures)."""
    pricing = pricing or Pricing()
    terms = quote.schedule.terms
    withheld = (
        product.upfront_fee_withheld
        if pricing.upfront_fee_withheld is None
        else pricing.upfront_fee_withheld
    )
    apr, cap = disclosed_apr(
        quote,
        upfront_fee_withheld=withheld,
        jurisdiction=product.jurisdiction,
        cap_rule=product.cap_rule or None,
    )
    if cap is not None and not cap.within_cap:
        raise LoanRuleError(
            f"The APR {apr.nominal:.4%} exceeds the cap {cap.cap:.4%} ({cap.rule}).",
            apr=str(apr.nominal),
            cap=str(cap.cap),
        )
    snapshot = {
        "version": SNAPSHOT_VERSION,
        "product": model_to_dict(product),
        "schedule_terms": terms.as_dict(),
        "level_amount": quote.schedule.level_amount,
        "disclosure": {
            "apr_nominal": apr.nominal,
            "apr_effective": apr.effective,
            "apr_method": apr.method,
            "apr_cap": None if cap is None else cap.cap,
            "apr_cap_rule": "" if cap is None else cap.rule,
            "upfront_fee_withheld": withheld,
        },
        "pricing": {"credit_score": credit_score, **pricing.details},
    }
    loan = Loan.objects.create(
        reference=f"LN{application_date:%Y%m%d}{secrets.token_hex(5).upper()}",
        borrower_id=borrower_id,
        product=product,
        currency=product.currency,
        principal=terms.principal,
        annual_rate=terms.annual_rate,
        term=terms.term,
        method=terms.method.value,
        frequency=terms.frequency.value,
        day_count=terms.day_count.value,
        rounding=terms.rounding,
        installment_rounding=terms.installment_rounding.spec,
        level_convention=terms.level_convention.value,
        bullet_interest=terms.bullet_interest.value,
        fee_rate=terms.fee_rate,
        upfront_fee=terms.upfront_fee_total,
        upfront_fee_withheld=withheld,
        penalty_rate=product.penalty_rate,
        yield_fees=list(product.yield_fees or []),
        direct_costs=product.direct_cost_amount
        if "direct_costs" in (product.yield_fees or [])
        else ZERO,
        grace_days=product.grace_days,
        allocation_order=list(product.allocation_order),
        interest_in_advance=product.interest_in_advance,
        calendar=product.calendar,
        shift_rule=product.shift_rule,
        prepayment_mode=product.prepayment_mode,
        cooling_off_days=product.cooling_off_days,
        charge_off_days_past_due=product.charge_off_days_past_due,
        jurisdiction=product.jurisdiction,
        **floating_terms(product, start_date),
        terms_snapshot=_as_json(snapshot),
        credit_score=credit_score,
        credit_assessment=credit_assessment,
        application_date=application_date,
        start_date=start_date,
        first_due_date=first_due_date,
        apr_nominal=apr.nominal,
        apr_effective=apr.effective,
        apr_cap=None if cap is None else cap.cap,
        apr_cap_rule="" if cap is None else cap.rule,
        apr_method=apr.method,
    )
    loan_created(loan)
    return loan


def floating_terms(product: Product, start_date: date) -> dict[str, object]:
    """A floating-rate product's index, margin, floor, cap and first reset date."""
    if not product.rate_index:
        return {}
    return {
        "rate_index": product.rate_index,
        "rate_margin": product.rate_margin,
        "rate_floor": product.rate_floor,
        "rate_ceiling": product.rate_ceiling,
        "rate_reset_months": product.rate_reset_months,
        "rate_reset_day": product.rate_reset_day,
        "next_rate_reset": next_reset(
            start_date, product.rate_reset_months, product.rate_reset_day, start_date
        ),
    }


def signed_terms(loan: Loan) -> SignedTerms:
    """The loan's terms snapshot read in the current shape. Version 1 (no `version` key) came in
    two shapes: a direct application's (`product`, `schedule_terms`, `level_amount`) and a
    drawdown's (`product`, `credit_line`, `pricing_band`, `base_rate`, `adjustments`,
    `subsidy`)."""
    data = loan.terms_snapshot or {}
    guarantor = bool(data.get("guarantor_contact_allowed", False))
    if data.get("version", 1) >= 2:
        return SignedTerms(
            version=data["version"],
            product=data.get("product", {}),
            schedule_terms=data.get("schedule_terms"),
            level_amount=data.get("level_amount"),
            pricing=data.get("pricing", {}),
            disclosure=data.get("disclosure"),
            guarantor_contact_allowed=guarantor,
        )
    drawdown_keys = ("credit_line", "pricing_band", "base_rate", "adjustments", "subsidy")
    return SignedTerms(
        version=1,
        product=data.get("product", {}),
        schedule_terms=data.get("schedule_terms"),
        level_amount=data.get("level_amount"),
        pricing={key: data[key] for key in drawdown_keys if key in data},
        disclosure=None,
        guarantor_contact_allowed=guarantor,
    )
