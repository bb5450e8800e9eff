"""Origination: a pending loan from a product and its quote, then approval, rejection or
cancellation before disbursement.

A loan is signed by `signing.loan_sign` on the quote's price: it snapshots every term (later
product edits never change it) and the APR disclosed, and a loan whose APR is above the
jurisdiction's cap on its start date is refused with both figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from loans.errors import LoanRuleError, LoanStateError
from loans.models import Borrower, Loan, Product
from loans.transitions import loan_transition

from .applying import loan_lock
from .quotes import product_quote
from .signing import Pricing, loan_sign


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
    priced = result.priced
    details = {} if priced is None else {"pricing_band": priced.band.name, "capped": priced.capped}
    with transaction.atomic():
        return loan_sign(
            borrower_id=borrower.pk,
            product=product,
            quote=result.quote,
            application_date=application_date,
            start_date=start,
            first_due_date=first_due_date,
            credit_score=credit_score,
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
