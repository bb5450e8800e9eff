"""Maker-checker for manual adjustments: waive fees or penalty interest, correct a repayment,
write a loan off.

One staff user asks (``adjustment_request``); a *different* user holding
``loans.approve_adjustmentrequest`` approves, which applies it, or rejects it. Each step is
one transaction with its audit event, the approval (which applies it) a durable one (its
waiver or write-off is audited by the approval itself); the database itself refuses a decision by the requester.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.audit import AuditContext, audit_record, audit_snapshot
from core.db import action_transaction
from core.errors import DomainError
from core.maker_checker import Decision
from loans.errors import LoanRuleError, LoanStateError
from loans.models import AdjustmentRequest, Loan, Repayment

from . import waivers
from .backoffice import require_permission
from .repayments import loan_repay
from .reversals import repayment_reverse

Kind = AdjustmentRequest.Kind
REQUEST_PERMISSION = "loans.add_adjustmentrequest"
APPROVE_PERMISSION = "loans.approve_adjustmentrequest"
# What asking for (maker) and deciding (checker) a kind needs besides the adjustment permissions.
MAKER_PERMISSION = {
    Kind.WRITE_OFF: "loans.write_off_loan",
    Kind.CORRECT_REPAYMENT: "loans.record_repayment",
}
CHECKER_PERMISSION = {Kind.WRITE_OFF: "loans.write_off_loan"}
AUDIT_FIELDS = ("status", "kind", "amount", "repayment_id", "decided_by_id", "decision_note")


class SelfApprovalRefused(DomainError):
    status_code = 403
    code = "self-approval"
    title = "An adjustment must be approved by someone other than the requester."


class AdjustmentNotPending(DomainError):
    status_code = 409
    code = "adjustment-decided"
    title = "The adjustment was already decided."


def adjustment_request(
    *,
    loan: Loan,
    kind: str,
    reason: str,
    actor,
    business_date: date,
    amount: Decimal | None = None,
    repayment_id: int | None = None,
    source: str = "admin",
) -> AdjustmentRequest:
    """Ask for an adjustment; nothing changes on the loan until another user approves it."""
    require_permission(actor, REQUEST_PERMISSION)
    if kind in MAKER_PERMISSION:
        require_permission(actor, MAKER_PERMISSION[kind])
    if not reason.strip():
        raise LoanRuleError("Say why the adjustment is needed.")
    # Moves no money, and the admin's add form calls it inside the form's own transaction.
    with transaction.atomic():
        loan = Loan.objects.select_for_update().get(pk=loan.pk)
        adjustment_validate(loan=loan, kind=kind, amount=amount, repayment_id=repayment_id)
        adjustment = AdjustmentRequest.objects.create(
            loan=loan,
            kind=kind,
            amount=amount,
            repayment_id=repayment_id,
            reason=reason.strip(),
            requested_by=actor,
            business_date=business_date,
        )
        audit_record(
            actor=actor,
            action="adjustment.request",
            target=adjustment,
            after=audit_snapshot(adjustment, AUDIT_FIELDS) | {"loan": loan.reference},
            reason=reason,
            source=source,
            business_date=business_date,
        )
    return adjustment


def adjustment_approve(
    *, adjustment: AdjustmentRequest, actor, business_date: date, note: str = "", source="admin"
) -> AdjustmentRequest:
    """Approve another user's pending adjustment and apply it, all or nothing."""
    require_permission(actor, APPROVE_PERMISSION)
    with action_transaction(durable=True):
        adjustment = _pending(adjustment, actor)
        if adjustment.kind in CHECKER_PERMISSION:
            require_permission(actor, CHECKER_PERMISSION[adjustment.kind])
        loan = Loan.objects.select_for_update().get(pk=adjustment.loan_id)
        before = audit_snapshot(adjustment, AUDIT_FIELDS) | _loan_state(loan)
        adjustment.result = _apply(adjustment, loan, actor, business_date, source)
        loan = Loan.objects.get(pk=loan.pk)  # a protected FSM field cannot be refreshed
        _decide(adjustment, actor, AdjustmentRequest.Status.APPLIED, note)
        audit_record(
            actor=actor,
            action="adjustment.approve",
            target=adjustment,
            before=before,
            after=audit_snapshot(adjustment, AUDIT_FIELDS) | _loan_state(loan),
            reason=note,
            source=source,
            business_date=business_date,
        )
    return adjustment


def adjustment_reject(
    *, adjustment: AdjustmentRequest, actor, business_date: date, note: str = "", source="admin"
) -> AdjustmentRequest:
    require_permission(actor, APPROVE_PERMISSION)
    with transaction.atomic():  # moves no money
        adjustment = _pending(adjustment, actor)
        before = audit_snapshot(adjustment, AUDIT_FIELDS)
        _decide(adjustment, actor, AdjustmentRequest.Status.REJECTED, note)
        audit_record(
            actor=actor,
            action="adjustment.reject",
            target=adjustment,
            before=before,
            after=audit_snapshot(adjustment, AUDIT_FIELDS),
            reason=note,
            source=source,
            business_date=business_date,
        )
    return adjustment


DECISION = Decision(
    model=AdjustmentRequest,
    pending=AdjustmentRequest.Status.PENDING,
    maker="requested_by_id",
    checker="decided_by",
    decided_at="decided_at",
    not_pending=lambda adjustment: AdjustmentNotPending(
        f"Adjustment {adjustment.pk} is already {adjustment.status}."
    ),
    self_decision=lambda adjustment: SelfApprovalRefused(
        "You asked for this adjustment; another user with the approver permission must decide it."
    ),
)


def _pending(adjustment: AdjustmentRequest, actor) -> AdjustmentRequest:
    return DECISION.pending_for(adjustment.pk, actor.pk)


def _decide(adjustment: AdjustmentRequest, actor, status: str, note: str) -> None:
    DECISION.record(
        adjustment, status=status, checker=actor, when=timezone.now(), note=note, also=["result"]
    )


def _loan_state(loan: Loan) -> dict:
    return {"loan": loan.reference, "loan_status": loan.status}


def adjustment_validate(
    *, loan: Loan, kind: str, amount: Decimal | None, repayment_id: int | None
) -> None:
    """Refuse a request that could not be applied as it stands (it is checked again on
    approval, when the loan may have moved on)."""
    if kind in (Kind.WAIVE_FEE, Kind.WAIVE_PENALTY):
        if amount is None or amount <= 0:
            raise LoanRuleError("Give the positive amount to waive.")
        component = "fee" if kind == Kind.WAIVE_FEE else "penalty"
        available = waivers.loan_waivable(loan=loan, component=component)
        if amount > available:
            raise LoanRuleError(
                f"Loan {loan.reference} has {available} {loan.currency} of {component} charged "
                f"and unpaid; {amount} cannot be waived."
            )
    elif kind == Kind.CORRECT_REPAYMENT:
        if amount is None or amount < 0:
            raise LoanRuleError("Give the amount the repayment should have been (0 to cancel it).")
        repayment = Repayment.objects.filter(pk=repayment_id, loan=loan).first()
        if repayment is None:
            raise LoanRuleError(f"Loan {loan.reference} has no such repayment.")
        if repayment.status != Repayment.Status.POSTED:
            raise LoanStateError("Only a posted repayment can be corrected.")
        if amount == repayment.amount:
            raise LoanRuleError("The corrected amount is the amount already posted.")
    elif kind == Kind.WRITE_OFF:
        if not loan.is_open:
            raise LoanStateError(
                f"Loan {loan.reference} is {loan.status}; only open loans are written off."
            )
    else:
        raise LoanRuleError(f"Unknown adjustment {kind!r}.")


def _apply(
    adjustment: AdjustmentRequest, loan: Loan, actor, business_date: date, source: str
) -> dict:
    adjustment_validate(
        loan=loan,
        kind=adjustment.kind,
        amount=adjustment.amount,
        repayment_id=adjustment.repayment_id,
    )
    name = actor.get_username()
    if adjustment.kind in (Kind.WAIVE_FEE, Kind.WAIVE_PENALTY):
        result = waivers.loan_charges_waive(
            loan=loan,
            component="fee" if adjustment.kind == Kind.WAIVE_FEE else "penalty",
            amount=adjustment.amount,
            business_date=business_date,
            idempotency_key=f"adjustment:{adjustment.pk}",
            actor=name,
            memo=f"Adjustment {adjustment.pk}: {adjustment.reason}"[:255],
        )
        return {"entry_id": result.entry_id}
    if adjustment.kind == Kind.WRITE_OFF:
        result = waivers.loan_write_off(
            loan=loan, business_date=business_date, actor=name, reason=adjustment.reason[:200]
        )
        return {"entry_id": result.entry_id}
    audit = AuditContext(user=actor, source=source, reason=f"adjustment {adjustment.pk}")
    return _correct_repayment(adjustment, loan, name, business_date, audit)


def _correct_repayment(
    adjustment: AdjustmentRequest, loan: Loan, actor: str, on: date, audit: AuditContext
) -> dict:
    """Reverse the repayment as posted; post what it should have been (same value date). Both
    compose into the approval's transaction, each with its own audit row."""
    original = Repayment.objects.get(pk=adjustment.repayment_id)
    repayment_reverse(
        repayment=original,
        business_date=on,
        actor=actor,
        reason=f"Corrected by adjustment {adjustment.pk}",
        audit=audit,
        durable=False,
    )
    result = {"reversed_repayment": original.pk}
    if adjustment.amount:
        corrected = loan_repay(
            loan=loan,
            amount=adjustment.amount,
            value_date=original.value_date,
            business_date=on,
            channel=original.channel,
            external_reference=original.external_reference,
            idempotency_key=f"adjustment:{adjustment.pk}",
            actor=actor,
            source=original.source,
            audit=audit,
            durable=False,
        )
        result["corrected_repayment"] = corrected.pk
    return result
