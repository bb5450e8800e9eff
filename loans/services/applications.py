"""A borrower's application from a quote: a pending loan on the quoted terms, with the APR
disclosure recorded (``origination.loan_create``), refused if the price moved since the quote."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from loans.errors import LoanRuleError
from loans.models import Borrower, Loan
from loans.selectors.products import product_get_active

from .origination import loan_create
from .quotes import QuoteInputError

APR_TOLERANCE = Decimal("0.000001")
"""A quoted APR within 0.0001 percentage points of the disclosed one is the same price."""


class AprChanged(LoanRuleError):
    code = "apr-changed"
    title = "The APR is not the one you were quoted."


def loan_apply(
    *,
    borrower: Borrower,
    product_code: str,
    principal: Decimal,
    term: int,
    business_date: date,
    actor: str,
    start_date: date | None = None,
    first_due_date: date | None = None,
    disclosed_apr: Decimal | None = None,
) -> Loan:
    """A pending loan for ``borrower``, priced on the lender's assessment of them (never on a
    score they send). ``disclosed_apr`` is the nominal APR the borrower was shown; a loan that
    would disclose another (the price or the cap moved) is refused, so nobody signs a price
    they did not see."""
    product = product_get_active(code=product_code)
    if product is None:
        raise QuoteInputError({"product": [f"There is no active product {product_code!r}."]})
    if start_date is not None and start_date < business_date:
        raise QuoteInputError({"start_date": ["The start date cannot be in the past."]})
    with transaction.atomic():
        loan = loan_create(
            borrower=borrower,
            product=product,
            principal=principal,
            term=term,
            application_date=business_date,
            actor=actor,
            start_date=start_date,
            first_due_date=first_due_date,
        )
        if disclosed_apr is not None and abs(loan.apr_nominal - disclosed_apr) > APR_TOLERANCE:
            raise AprChanged(
                f"The APR of this loan is {loan.apr_nominal:.4%}, not the {disclosed_apr:.4%} "
                "quoted; ask for a new quote.",
                apr=str(loan.apr_nominal),
            )
    # As stored: the disclosure rounded to the columns' precision, as every later read shows it.
    return Loan.objects.select_related("product").get(pk=loan.pk)
