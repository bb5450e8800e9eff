"""Reversal of a repayment that was returned or bounced.

Its entries are reversed (never edited) and its allocations undone, reopening the installments
it paid (and a loan it paid off). Repayments dated after it, and modifications taking effect
after it, are unwound first and applied again after it, in date order (`applying.timeline_of`),
so the schedule ends as if it had never arrived. A refund's
reversal (the transfer to the customer came back) restores the overpayment held; a recovery's
(a bounced payment on a charged-off loan) takes its recoveries income back.
"""

from __future__ import annotations

from datetime import date

from core.audit import NO_CONTEXT, AuditContext, audit_record, audit_snapshot
from core.db import action_transaction
from ledger.services import entry_reverse
from loans.errors import LoanRuleError, LoanStateError
from loans.events import repayment_reversed
from loans.models import Loan, LoanModification, Repayment

from .applying import (
    RECEIVING,
    REPAYMENT_AUDIT_FIELDS,
    check_refunds_covered,
    later_repayments,
    loan_lock,
    loan_rows,
    loan_status_settle,
    modifications_after,
    timeline_of,
    timeline_replay,
    timeline_rewind,
)
from .book import LoanBook


def repayment_reverse(
    *,
    repayment: Repayment,
    business_date: date,
    actor: str,
    reason: str = "",
    audit: AuditContext = NO_CONTEXT,
    durable: bool = True,
) -> Repayment:
    """Reverse `repayment` on `business_date`. Reversing it again returns it unchanged.

    Keeps the loan's receivables equal to its schedule's outstanding amounts; refuses (and
    changes nothing) when a refund already paid out the overpayment it would take back. One
    durable transaction with its audit row (``repayment.reverse``)."""
    with action_transaction(durable=durable):
        loan = loan_lock(repayment.loan_id)
        repayment = Repayment.objects.get(pk=repayment.pk)
        if repayment.status == Repayment.Status.REVERSED:
            return repayment
        before = audit_snapshot(repayment, REPAYMENT_AUDIT_FIELDS)
        _reverse(loan, repayment, business_date, actor, reason)
        audit_record(
            actor=audit.actor(actor),
            action="repayment.reverse",
            target=repayment,
            before=before,
            after=audit_snapshot(repayment, REPAYMENT_AUDIT_FIELDS),
            reason=audit.reason or reason,
            source=audit.source,
            business_date=business_date,
        )
        return repayment


def _reverse(loan: Loan, repayment: Repayment, business_date: date, actor: str, reason: str):
    if repayment.kind == Repayment.Kind.COOLING_OFF:
        raise LoanStateError("A cooling-off cancellation cannot be reversed.")
    if repayment.kind in (Repayment.Kind.REFUND, Repayment.Kind.RECOVERY):
        # Applied to no schedule: the entry's mirror undoes it (a refund's restores the
        # overpayment held; a recovery's takes the recoveries income back).
        reversal = entry_reverse(
            entry_id=repayment.entry_id,
            business_date=business_date,
            actor=actor,
            idempotency_key=f"{repayment.kind}-reversal:{repayment.pk}",
            memo=(
                f"Reversal of recovery {repayment.idempotency_key}: {reason}"[:255]
                if repayment.kind == Repayment.Kind.RECOVERY
                else ""
            ),
        )
        repayment.entry_ids = [*repayment.entry_ids, reversal.entry_id]
        _mark_reversed(repayment, business_date, reason)
        return
    if loan.status not in RECEIVING:
        raise LoanStateError(
            f"Loan {loan.reference} is {loan.status}; its repayments cannot be reversed."
        )
    book = LoanBook(loan, business_date=business_date, rows=loan_rows(loan, open_only=False))
    later = later_repayments(loan, value_date=repayment.value_date, after_id=repayment.pk)
    modifications = modifications_after(loan, repayment.value_date)
    if modifications is None:
        _not_under_a_modification(loan, [repayment, *later])
        modifications = []
    # What replays is what comes after it (a modification of its date applied before it was
    # recorded stays).
    timeline = timeline_of([repayment, *later], modifications)
    timeline = timeline[timeline.index(repayment) + 1 :]
    timeline_rewind(book, [repayment, *timeline], actor=actor)
    _mark_reversed(repayment, business_date, reason)
    timeline_replay(book, timeline, actor=actor)
    check_refunds_covered(loan)
    loan_status_settle(book, actor=actor, reason=f"reversal of {repayment.idempotency_key}")


def _not_under_a_modification(loan: Loan, rewound: list[Repayment]) -> None:
    """A modification's schedule was built on the repayments recorded before it: unwinding
    one of them under it is refused, as a back-dated payment that would replay them is. By
    business date, so one applied the day a rewound repayment was recorded counts (the order
    within a day is not kept on both)."""
    earliest = min(repayment.business_date for repayment in rewound)
    crossed = (
        LoanModification.objects.filter(
            loan_id=loan.pk, status=LoanModification.Status.APPLIED, applied_on__gte=earliest
        )
        .order_by("-applied_on", "-pk")
        .values_list("pk", "applied_on")
        .first()
    )
    if crossed:
        raise LoanRuleError(
            f"Modification {crossed[0]} of loan {loan.reference} was applied on {crossed[1]}, "
            f"on or after {earliest}, when a repayment this reversal would unwind was "
            "recorded: its schedule was built on that repayment. Change the loan with a new "
            "modification instead."
        )


def _mark_reversed(repayment: Repayment, business_date: date, reason: str) -> Repayment:
    repayment.status = Repayment.Status.REVERSED
    repayment.reversed_on = business_date
    repayment.reversal_reason = reason[:255]
    repayment.save(update_fields=["status", "reversed_on", "reversal_reason", "entry_ids"])
    repayment_reversed(repayment, business_date)
    return repayment
