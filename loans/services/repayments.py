"""Repayments: cash from the borrower applied to the schedule in the loan's allocation order.

Overdue installments first (oldest first), then the current one; what is left prepays the
principal of later installments (the later schedule rebuilt in the loan's prepayment mode), and
past the payoff amount it is held for the customer (2241) until refunded. One journal entry per
repayment: Dr 1002 cash / Cr 1134, 1133, 1132, 1303 (and Cr 2241), with the catch-up recognition
of interest or fees paid early, and on a non-accrual loan the interest collected moved from
suspense to income (Dr 2261 / Cr 6011). A value date before the business date applies the
repayment as of that date: repayments after it are unwound and applied again after it.

A repayment on a charged-off loan is a recovery (`recoveries`): Dr 1002 / Cr 6111.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.audit import NO_CONTEXT, AuditContext
from loans.models import Loan, Repayment

from .applying import PaymentRequest, payment_receive


def loan_repay(
    *,
    loan: Loan,
    amount: Decimal,
    value_date: date,
    business_date: date,
    idempotency_key: str,
    channel: str = "",
    external_reference: str = "",
    actor: str = "system",
    source: str = "",
    limited: bool = False,
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> Repayment:
    """Receive a repayment. The same idempotency key with the same request returns the first
    repayment (nothing posted twice); with another request it raises `IdempotencyKeyReused`.
    Keeps: the loan's receivables equal its schedule's outstanding amounts, no installment paid
    beyond what is due, amount = allocations + overpayment. On a charged-off loan it is a
    recovery (`loans.services.recoveries`; `source`: who collected it, default the borrower).
    ``limited``: the borrower asks to pay (not money already received): refused on a paid-off
    loan (`LoanStateError`) and beyond the payoff plus tolerance (`LoanRuleError`).
    One durable transaction with its audit row (``repayment.record``, ``recovery.record``);
    ``durable=False`` composes it into the caller's."""
    request = PaymentRequest(
        kind=Repayment.Kind.REPAYMENT,
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
        limited=limited,
        audit=audit,
        durable=durable,
    )
