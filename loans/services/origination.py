"""Origination: a pending loan from a product and its quote, then approval, rejection or
cancellation before disbursement.

A loan is signed by `signing.loan_sign` on the quote's price: it snapshots every term (later
product edits never change it) and the APR disclosed, and a loan whose APR is above the
jurisdiction's cap on its start date is refused with both figures.

The price follows the lender's credit assessment of the borrower (``CreditAssessment``: the
decision pipeline, a bureau pull or staff), never a score the borrower sends; without a valid
assessment the borrower is priced in the worst band. Approval checks the price again against
the assessment valid on the approval date and refuses a loan priced in another band.
Every loan is checked against the regulatory lending limits (``lending_limits``) when it is
created, approved and disbursed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from calc.pricing import PricingError
from loans.errors import LoanRuleError, LoanStateError
from loans.models import Borrower, CreditAssessment, Loan, Product
from loans.selectors.assessments import credit_assessment_current
from loans.terms import risk_pricing
from loans.transitions import loan_transition

from .applying import loan_lock
from .lending_limits import lending_limits_check, lending_terms_for_loan, lending_terms_for_product
from .quotes import product_quote
from .signing import Pricing, loan_sign


class PriceMismatch(LoanRuleError):
    code = "price-mismatch"
    title = "The loan's rate is not the rate of the lender's assessment of the borrower."


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
) -> Loan:
    """A pending loan on the product's terms for this borrower, priced by the quote on the
    lender's assessment valid on the application date (risk band, cap check). Raises
    `QuoteInputError` for terms the product does not offer, `LoanRuleError` for an APR above
    the cap and `LendingLimitExceeded` for a loan beyond a regulatory limit."""
    if not product.is_active:
        raise LoanRuleError(f"Product {product.code} is not offered.")
    start = start_date or application_date
    assessment = credit_assessment_current(borrower_id=borrower.pk, on_date=application_date)
    credit_score = None if assessment is None else assessment.score
    result = product_quote(
        product=product,
        principal=principal,
        term=term,
        start_date=start,
        credit_score=credit_score,
        first_due_date=first_due_date,
    )
    priced = result.priced
    details = {} if priced is None else {"pricing_band": priced.band.name, "capped": priced.capped}
    with transaction.atomic():
        lending_limits_check(
            lending_terms_for_product(
                borrower_id=borrower.pk,
                product=product,
                principal=result.quote.schedule.terms.principal,
                term=term,
            )
        )
        return loan_sign(
            borrower_id=borrower.pk,
            product=product,
            quote=result.quote,
            application_date=application_date,
            start_date=start,
            first_due_date=first_due_date,
            credit_score=credit_score,
            credit_assessment=assessment,
            pricing=Pricing(details=details),
        )


def _move(loan: Loan, action: str, *, business_date: date, actor: str, reason: str) -> Loan:
    with transaction.atomic():
        locked = loan_lock(loan.pk)
        loan_transition(
            loan=locked, action=action, actor=actor, business_date=business_date, reason=reason
        )
        return locked


def loan_approve(*, loan: Loan, business_date: date, actor: str, reason: str = "") -> Loan:
    """pending → approved (credit decision); anything else raises `LoanStateError`. Refuses a
    loan whose rate is not its band's on the lender's assessment valid today (`PriceMismatch`)
    or that the borrower's exposure today no longer leaves room for (`LendingLimitExceeded`)."""
    with transaction.atomic():
        locked = loan_lock(loan.pk)
        if locked.status == Loan.Status.PENDING:
            loan_price_check(loan=locked, business_date=business_date)
            lending_limits_check(lending_terms_for_loan(locked))
        loan_transition(
            loan=locked, action="approve", actor=actor, business_date=business_date, reason=reason
        )
        return locked


def _signed_pricing(loan: Loan):
    """The score bands and flat rate the loan was signed on (its snapshot; the product's for a
    loan signed before snapshots carried them), with the cap in force on its start date."""
    signed = (loan.terms_snapshot or {}).get("product") or {}
    bands = signed.get("pricing_bands", loan.product.pricing_bands)
    flat = Decimal(str(signed.get("annual_rate", loan.product.annual_rate)))
    cap_rule = signed.get("cap_rule", loan.product.cap_rule) or None
    pricing = risk_pricing(
        bands, jurisdiction=loan.jurisdiction, cap_rule=cap_rule, on_date=loan.start_date
    )
    return pricing, flat


def loan_price_check(*, loan: Loan, business_date: date) -> None:
    """Refuse (`PriceMismatch`) a loan whose rate is not the one the lender's assessment of the
    borrower valid on `business_date` gives (no assessment: the worst band), whatever score the
    loan was signed with."""
    assessment = credit_assessment_current(borrower_id=loan.borrower_id, on_date=business_date)
    score = None if assessment is None else assessment.score
    pricing, flat = _signed_pricing(loan)
    try:
        priced = None if pricing is None else pricing.rate_for(score)
    except PricingError as exc:
        raise PriceMismatch(
            f"Loan {loan.reference} cannot be priced on {_describe(assessment)}: {exc}."
        ) from exc
    expected = flat if priced is None else priced.annual_rate
    if loan.annual_rate != expected:
        band = "" if priced is None else f", band {priced.band.name or priced.band.min_score}"
        raise PriceMismatch(
            f"Loan {loan.reference} is priced at {loan.annual_rate.normalize()} a year; "
            f"{_describe(assessment)} prices it at {expected.normalize()}{band}. Reject it: the "
            "borrower may apply again at the price of their band.",
            annual_rate=str(loan.annual_rate),
            expected_rate=str(expected),
            score=score,
        )


def _describe(assessment: CreditAssessment | None) -> str:
    if assessment is None:
        return "no valid credit assessment (the worst band)"
    return (
        f"the credit assessment of {assessment.business_date} "
        f"(score {assessment.score}, {assessment.get_source_display().lower()})"
    )


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
