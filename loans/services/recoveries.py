"""Recoveries after charge-off (核销后回收): payments on a written-off loan, from the borrower,
in-house collections, a collection agency or the sale of the debt.

Each is a `Repayment` of kind `recovery` with its `source`, idempotent on its key like every
repayment, booked Dr 1002 cash / Cr 6111 recoveries of written-off loans (the line carries the
loan), and never more than the loan's written-off amount less what it has recovered already
(refused with the figures). A bounced recovery is reversed by `repayment_reverse`: its entry is
mirrored and it no longer counts. `loan_repay` on a charged-off loan comes here too.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.audit import NO_CONTEXT, AuditContext
from loans.models import Loan, Repayment

from .applying import PaymentRequest, payment_receive


def loan_recover(
    *,
    loan: Loan,
    amount: Decimal,
    value_date: date,
    business_date: date,
    idempotency_key: str,
    source: str,
    channel: str = "",
    external_reference: str = "",
    actor: str = "system",
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> Repayment:
    """Receive `amount` on a charged-off loan, collected by `source` (`Repayment.Source`).
    Keeps: recovered ≤ written off, per loan; the same key and request returns the first
    recovery, another request under it raises `IdempotencyKeyReused`. One durable transaction
    with its audit row (``recovery.record``)."""
    request = PaymentRequest(
        kind=Repayment.Kind.RECOVERY,
        amount=amount,
        value_date=value_date,
        idempotency_key=idempotency_key,
        channel=channel,
        external_reference=external_reference,
        source=source,
    )
    return payment_receive(
        loan=loan,
        request=request,
        business_date=business_date,
        actor=actor,
        audit=audit,
        durable=durable,
    )
