"""Refund requests: a borrower asks for what the lender holds for them (2241, an overpayment)
back; a staff user holding ``loans.approve_refundrequest`` approves it, which posts the refund
through the ledger (`overpayment_refund`: Dr 2241 / Cr 1002), or rejects it.

What may be asked for is what is held less what pending requests already ask for, so approving
every pending request never refunds more than is held.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.audit import audit_record, audit_snapshot
from core.db import action_transaction
from core.maker_checker import Decision
from core.money import ZERO
from loans.errors import LoanRuleError, LoanStateError
from loans.models import Loan, RefundRequest

from .applying import check_amount, loan_lock, overpayment_held
from .backoffice import require_permission
from .overpayments import overpayment_refund

APPROVE_PERMISSION = "loans.approve_refundrequest"
REFUND_CHANNEL = "refund_request"
AUDIT_FIELDS = ("status", "amount", "decided_by_id", "decision_note", "refund_id")


def refund_available(loan: Loan) -> Decimal:
    """What the borrower may still ask for: held for them less what pending requests ask."""
    pending = RefundRequest.objects.filter(
        loan_id=loan.pk, status=RefundRequest.Status.PENDING
    ).aggregate(total=Sum("amount", default=ZERO))["total"]
    return overpayment_held(loan) - pending


def refund_request_create(
    *, loan: Loan, amount: Decimal, actor, business_date: date, source: str = "api"
) -> RefundRequest:
    """The borrower (``actor``, a user) asks for `amount` back; nothing moves until approved."""
    with transaction.atomic():  # moves no money
        locked = loan_lock(loan.pk)
        check_amount(amount, locked.currency)
        available = refund_available(locked)
        if amount > available:
            raise LoanRuleError(
                f"Loan {locked.reference} holds {available} for you that is not already "
                f"requested; {amount} cannot be refunded.",
                available=str(available),
            )
        request = RefundRequest.objects.create(
            loan=locked, amount=amount, requested_by=actor, business_date=business_date
        )
        audit_record(
            actor=actor,
            action="refund_request.create",
            target=request,
            after=audit_snapshot(request, AUDIT_FIELDS) | {"loan": locked.reference},
            source=source,
            business_date=business_date,
        )
    return request


DECISION = Decision(
    model=RefundRequest,
    pending=RefundRequest.Status.PENDING,
    maker="requested_by_id",
    checker="decided_by",
    decided_at="decided_at",
    not_pending=lambda request: LoanStateError(
        f"Refund request {request.pk} was already {request.status}."
    ),
    self_decision=lambda request: LoanRuleError(
        f"Refund request {request.pk} was made by the deciding user: another user must decide "
        "it (maker-checker)."
    ),
)


def _pending(request: RefundRequest, actor) -> RefundRequest:
    return DECISION.pending_for(request.pk, actor.pk)


def _decide(request: RefundRequest, actor, status: str, note: str) -> None:
    DECISION.record(
        request, status=status, checker=actor, when=timezone.now(), note=note, also=["refund"]
    )


def refund_request_approve(
    *, request: RefundRequest, actor, business_date: date, note: str = "", source: str = "admin"
) -> RefundRequest:
    """Approve a pending request: the refund is posted and the request marked refunded, all or
    nothing (one durable transaction with its audit rows)."""
    require_permission(actor, APPROVE_PERMISSION)
    with action_transaction(durable=True):
        request = _pending(request, actor)
        before = audit_snapshot(request, AUDIT_FIELDS)
        request.refund = overpayment_refund(
            loan=request.loan,
            amount=request.amount,
            business_date=business_date,
            idempotency_key=f"refund-request:{request.pk}",
            channel=REFUND_CHANNEL,
            external_reference=f"refund-request-{request.pk}",
            actor=actor.get_username(),
            durable=False,
        )
        _decide(request, actor, RefundRequest.Status.REFUNDED, note)
        audit_record(
            actor=actor,
            action="refund_request.approve",
            target=request,
            before=before,
            after=audit_snapshot(request, AUDIT_FIELDS),
            reason=note,
            source=source,
            business_date=business_date,
        )
    return request


def refund_request_reject(
    *, request: RefundRequest, actor, business_date: date, note: str = "", source: str = "admin"
) -> RefundRequest:
    require_permission(actor, APPROVE_PERMISSION)
    with transaction.atomic():  # moves no money
        request = _pending(request, actor)
        before = audit_snapshot(request, AUDIT_FIELDS)
        _decide(request, actor, RefundRequest.Status.REJECTED, note)
        audit_record(
            actor=actor,
            action="refund_request.reject",
            target=request,
            before=before,
            after=audit_snapshot(request, AUDIT_FIELDS),
            reason=note,
            source=source,
            business_date=business_date,
        )
    return request
