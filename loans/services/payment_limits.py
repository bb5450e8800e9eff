"""What a borrower's own payment may be: a loan still being repaid, and at most its payoff
amount on the value date plus a tolerance (``settings.PAYMENT_EXCESS_TOLERANCE``, in the loan's
currency). Payments the lender already holds (a bank feed, a back-dated correction) are booked
whatever they are; the excess of those is held for the customer until refunded."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from loans.errors import LoanRuleError, LoanStateError
from loans.models import Installment, Loan

from .payment_request import PaymentRequest
from .payoff_plan import payoff_plan


def payment_excess_tolerance() -> Decimal:
    return Decimal(str(settings.PAYMENT_EXCESS_TOLERANCE))


def payment_status_check(loan: Loan) -> None:
    if loan.status == Loan.Status.PAID_OFF:
        raise LoanStateError(
            f"Loan {loan.reference} is paid off; it takes no more payments. "
            "Money held for you beyond what was owed can be refunded on request."
        )


def payment_amount_check(loan: Loan, rows: list[Installment], request: PaymentRequest) -> None:
    payoff = payoff_plan(loan, rows, request.value_date).total
    tolerance = payment_excess_tolerance()
    if request.amount > payoff + tolerance:
        raise LoanRuleError(
            f"{request.amount} is more than the {payoff} that pays loan {loan.reference} off "
            f"on {request.value_date} (plus a tolerance of {tolerance}).",
            payoff=str(payoff),
        )
