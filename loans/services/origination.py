"""Origination: a pending loan from a product and its quote, then approval, rejection or
cancellation before disbursement.

A loan snapshots every term it is signed on (later product edits never change it) and the APR
disclosed: the quote's APR by the IRR method when the upfront fee is withheld, or, when the fee
is paid with the first installment instead, the APR of those cash flows. A loan whose APR is
above the jurisdiction's cap on its start date is refused with both figures.
"""

from __future__ import annotations

import json
import secrets
from datetime import date
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict

from compliance.apr import AprResult, apr_by_method
from compliance.rate_caps import CapCheck, capped_check
from loans.calc.quote import Quote
from loans.errors import LoanRuleError, LoanStateError
from loans.models import Borrower, Loan, Product
from loans.transitions import loan_transition

from .applying import loan_lock
from .quotes import product_quote


def _disclosure(product: Product, quote: Quote) -> tuple[AprResult, CapCheck | None]:
    schedule = quote.schedule
    terms = schedule.terms
    fee = schedule.totals.upfront_fee
    if product.upfront_fee_withheld or not fee:
        return quote.apr, quote.rate_cap
    flows = schedule.cash_flows()
    flows[0] = (flows[0][0] + fee, flows[0][1])
    apr = apr_by_method(
        quote.apr.method,
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


def _snapshot(product: Product, quote: Quote) -> dict:
    data = {
        "product": model_to_dict(product),
        "schedule_terms": quote.schedule.terms.as_dict(),
        "level_amount": quote.schedule.level_amount,
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def loan_create(
    *,
    borrower: Borrower,
    product: Product,
    principal: Decimal,
    term: int,
    application_date: date,
    actor: str,
    start_date: date | None = None,
    first_due_date: date | None = None,
    credit_score: int | None = None,
) -> Loan:
    """A pending loan on the product's terms for this borrower, priced by the quote (risk band,
    cap check). Raises `QuoteInputError` for terms the product does not offer and
    `LoanRuleError` for an APR above the cap."""
    if not product.is_active:
        raise LoanRuleError(f"Product {product.code} is not offered.")
    start = start_date or application_date
    result = product_quote(
        product=product,
        principal=principal,
        term=term,
        start_date=start,
        credit_score=credit_score,
        first_due_date=first_due_date,
    )
    terms = result.quote.schedule.terms
    apr, cap = _disclosure(product, result.quote)
    if cap is not None and not cap.within_cap:
        raise LoanRuleError(
            f"The APR {apr.nominal:.4%} exceeds the cap {cap.cap:.4%} ({cap.rule}).",
            apr=str(apr.nominal),
            cap=str(cap.cap),
        )
    with transaction.atomic():
        return Loan.objects.create(
            reference=f"LN{application_date:%Y%m%d}{secrets.token_hex(5).upper()}",
            borrower=borrower,
            product=product,
            currency=product.currency,
            principal=terms.principal,
            annual_rate=terms.annual_rate,
            term=term,
            method=terms.method.value,
            frequency=terms.frequency.value,
            day_count=terms.day_count.value,
            rounding=terms.rounding,
            installment_rounding=terms.installment_rounding.spec,
            level_convention=terms.level_convention.value,
            bullet_interest=terms.bullet_interest.value,
            fee_rate=terms.fee_rate,
            upfront_fee=terms.upfront_fee_total,
            upfront_fee_withheld=product.upfront_fee_withheld,
            penalty_rate=product.penalty_rate,
            grace_days=product.grace_days,
            allocation_order=list(product.allocation_order),
            calendar=product.calendar,
            shift_rule=product.shift_rule,
            prepayment_mode=product.prepayment_mode,
            cooling_off_days=product.cooling_off_days,
            charge_off_days_past_due=product.charge_off_days_past_due,
            jurisdiction=product.jurisdiction,
            terms_snapshot=_snapshot(product, result.quote),
            credit_score=credit_score,
            application_date=application_date,
            start_date=start,
            first_due_date=first_due_date,
            apr_nominal=apr.nominal,
            apr_effective=apr.effective,
            apr_cap=None if cap is None else cap.cap,
            apr_cap_rule="" if cap is None else cap.rule,
            apr_method=apr.method,
        )


def _move(loan: Loan, action: str, *, business_date: date, actor: str, reason: str) -> Loan:
    with transaction.atomic():
        locked = loan_lock(loan.pk)
        loan_transition(
            loan=locked, action=action, actor=actor, business_date=business_date, reason=reason
        )
        return locked


def loan_approve(*, loan: Loan, business_date: date, actor: str, reason: str = "") -> Loan:
    """pending → approved (credit decision); anything else raises `LoanStateError`."""
    return _move(loan, "approve", business_date=business_date, actor=actor, reason=reason)


def loan_reject(*, loan: Loan, business_date: date, actor: str, reason: str = "") -> Loan:
    """pending or approved → rejected."""
    return _move(loan, "reject", business_date=business_date, actor=actor, reason=reason)


def loan_cancel(*, loan: Loan, business_date: date, actor: str, reason: str = "") -> Loan:
    """pending or approved → cancelled (withdrawn before disbursement). A disbursed loan is
    cancelled only by `loan_cancel_cooling_off`, which returns the money."""
    with transaction.atomic():
        locked = loan_lock(loan.pk)
        if locked.status not in (Loan.Status.PENDING, Loan.Status.APPROVED):
            raise LoanStateError(
                f"Loan {locked.reference} is {locked.status}; only a loan not yet disbursed can "
                "be withdrawn (a disbursed one is cancelled in its cooling-off period)."
            )
        loan_transition(
            loan=locked, action="cancel", actor=actor, business_date=business_date, reason=reason
        )
        return locked
