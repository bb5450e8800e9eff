"""Partial prepayments (提前还款): the borrower pays principal ahead and chooses what it changes.

`shorten_term` keeps the installment and ends the loan sooner; `lower_installment` keeps the
number of installments and lowers them (default: the loan's product setting). Everything due by
the value date is paid first. When the current period has not been paid ahead, it is cut on the
value date: its interest accrued to that date is paid, and the schedule from that date is
rebuilt for the principal left (its first period accrues from the value date to the current
period's end); otherwise the prepayment takes effect from the current installment's end. A
prepayment of the whole payoff amount or more is a payoff.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from calc.schedules import RescheduleMode
from core.audit import NO_CONTEXT, AuditContext
from loans.errors import LoanRuleError
from loans.models import Loan, Repayment

from .applying import PaymentRequest, payment_receive


def loan_prepay(
    *,
    loan: Loan,
    amount: Decimal,
    value_date: date,
    business_date: date,
    idempotency_key: str,
    mode: str | None = None,
    channel: str = "",
    external_reference: str = "",
    actor: str = "system",
    limited: bool = False,
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> Repayment:
    """Receive a partial prepayment in `mode` (default: the loan's). Same invariants and
    idempotency as `loan_repay`."""
    chosen = mode or loan.prepayment_mode
    if chosen not in {m.value for m in RescheduleMode}:
        known = ", ".join(m.value for m in RescheduleMode)
        raise LoanRuleError(f"Unknown prepayment mode {chosen!r}; use one of: {known}.")
    request = PaymentRequest(
        kind=Repayment.Kind.PREPAYMENT,
        amount=amount,
        value_date=value_date,
        idempotency_key=idempotency_key,
        channel=channel,
        external_reference=external_reference,
        mode=chosen,
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
