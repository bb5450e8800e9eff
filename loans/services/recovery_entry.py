"""Posting a recovery: a payment received on a charged-off loan (the caller holds its lock).

Nothing is applied to the schedule: the write-off took the receivables off the books (the
contract keeps what the borrower owes, for the bureau and for collection). The cash is income of
the loan, one entry (kind `recovery`): Dr 1002 cash / Cr 6111 recoveries of written-off loans
(the line carries the loan). What a loan recovers never exceeds what was written off.
"""

from __future__ import annotations

from datetime import date

from core.audit import NO_CONTEXT, AuditContext, audit_record, audit_snapshot
from loans.errors import LoanRuleError, LoanStateError
from loans.models import Loan, Repayment
from loans.posting_rules import recovery_lines
from loans.selectors.recoveries import loan_recovery

from .book import LoanBook
from .payment_request import PaymentRequest

RECOVERING = (Loan.Status.CHARGED_OFF, Loan.Status.CLOSED)
KIND = Repayment.Kind.RECOVERY


def recovery_post(
    loan: Loan,
    *,
    request: PaymentRequest,
    request_hash: str,
    business_date: date,
    actor: str,
    audit: AuditContext = NO_CONTEXT,
) -> Repayment:
    """Book `request` as a recovery on the locked, charged-off `loan` (see the module), with its
    audit row (``recovery.record``) in the caller's transaction."""
    if loan.status not in RECOVERING:
        raise LoanStateError(
            f"Loan {loan.reference} is {loan.status}; only a charged-off loan takes recoveries."
        )
    source = request.source or Repayment.Source.BORROWER
    if source not in Repayment.Source.values:
        raise LoanRuleError(
            f"{source!r} is not a recovery source; use one of {', '.join(Repayment.Source.values)}."
        )
    if request.kind not in (Repayment.Kind.REPAYMENT, KIND):
        raise LoanStateError(
            f"Loan {loan.reference} is {loan.status}: a payment on it is a recovery, "
            f"not a {request.kind}."
        )
    figures = loan_recovery(loan=loan)
    if not figures.written_off:
        raise LoanStateError(f"Loan {loan.reference} was not written off; it takes no payments.")
    value_date = request.value_date
    if value_date > business_date:
        raise LoanRuleError(f"Value date {value_date} is after the business date {business_date}.")
    if value_date < figures.written_off_on:
        raise LoanRuleError(
            f"Value date {value_date} is before loan {loan.reference} was written off "
            f"({figures.written_off_on})."
        )
    if request.amount > figures.remaining:
        raise LoanRuleError(
            f"Loan {loan.reference} had {figures.written_off} {loan.currency} written off and "
            f"{figures.recovered} recovered: at most {figures.remaining} more can be recovered, "
            f"not {request.amount}.",
            written_off=str(figures.written_off),
            recovered=str(figures.recovered),
            recoverable=str(figures.remaining),
        )
    repayment = Repayment(
        loan=loan,
        kind=KIND,
        source=source,
        amount=request.amount,
        currency=loan.currency,
        value_date=value_date,
        business_date=business_date,
        channel=request.channel,
        external_reference=request.external_reference,
        idempotency_key=request.idempotency_key,
        request_hash=request_hash,
        actor=actor,
    )
    book = LoanBook(loan, business_date=business_date)
    book.add(recovery_lines(loan_id=loan.id, amount=request.amount))
    repayment.entry_id = book.post(
        kind=KIND,
        key=f"recovery:{loan.pk}:{request.idempotency_key}",
        value_date=value_date,
        memo=f"Recovery ({source}) {request.external_reference}".strip(),
        actor=actor,
    )
    repayment.entry_ids = [repayment.entry_id]
    repayment.save(force_insert=True)
    audit_record(
        actor=audit.actor(actor),
        action="recovery.record",
        target=repayment,
        after=audit_snapshot(repayment, ("status", "kind", "source", "amount", "value_date"))
        | {"loan": loan.reference},
        reason=audit.reason,
        source=audit.source,
        business_date=business_date,
    )
    return repayment
