"""Disbursement as a payout order: the loan becomes active only when the payout succeeds.

A failed payout leaves the loan approved, with nothing on the books: it may be paid out again
(a new attempt, a new order) or cancelled (`payout_abandon`). The direct path
(`loans.services.disbursement.loan_disburse`) stays for lenders who pay out outside a gateway.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from loans.models import Loan
from loans.services.applying import loan_lock
from loans.transitions import loan_transition
from payments.errors import PaymentError
from payments.models import PaymentOrder

from .orders import order_create, order_submit

PAYOUT = PaymentOrder.Direction.PAYOUT


def loan_payout_start(*, loan: Loan, business_date: date, actor: str) -> PaymentOrder:
    """Send the loan's principal (net of a withheld fee is the bank's concern: the order carries
    what leaves the clearing account) as a payout order. Refused while another payout of the
    loan is open or has succeeded, and unless the loan is approved."""
    with transaction.atomic():
        loan = loan_lock(loan.pk)
        if loan.status != Loan.Status.APPROVED:
            raise PaymentError(f"Loan {loan.reference} is {loan.status}; it cannot be paid out.")
        orders = PaymentOrder.objects.filter(loan_id=loan.pk, direction=PAYOUT)
        live = orders.exclude(status__in=[PaymentOrder.Status.FAILED, PaymentOrder.Status.EXPIRED])
        if live.exists():
            raise PaymentError(f"Loan {loan.reference} has a payout under way or paid.")
        order = order_create(
            loan=loan,
            direction=PAYOUT,
            purpose=PaymentOrder.Purpose.DISBURSEMENT,
            amount=loan.principal,
            idempotency_key=f"payout:{loan.pk}:{orders.count() + 1}",
            business_date=business_date,
            actor=actor,
        )
    return order_submit(order_id=order.pk, order=order)


def payout_abandon(*, loan: Loan, business_date: date, actor: str, reason: str) -> Loan:
    """Cancel an approved loan whose payouts all failed: nothing was booked, nothing is."""
    with transaction.atomic():
        loan = loan_lock(loan.pk)
        orders = PaymentOrder.objects.filter(loan_id=loan.pk, direction=PAYOUT)
        if orders.exclude(
            status__in=[PaymentOrder.Status.FAILED, PaymentOrder.Status.EXPIRED]
        ).exists():
            raise PaymentError(f"Loan {loan.reference} has a payout under way or paid.")
        loan_transition(
            loan=loan, action="cancel", actor=actor, business_date=business_date, reason=reason
        )
    return loan
