"""Staff requests and decisions on loan modifications: the permission checked, the audit row
written in the same transaction as the action (``core.audit``)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from core.audit import audit_record
from loans.models import LoanModification

from .backoffice import require_permission
from .modifications import modification_approve, modification_reject, modification_request

REQUEST_PERMISSION = "loans.request_modification"
APPROVE_PERMISSION = "loans.approve_modification"
SETTLEMENT_REQUEST_PERMISSION = "loans.request_settlement"
SETTLEMENT_APPROVE_PERMISSION = "loans.approve_settlement"


def _permissions(kind: str) -> tuple[str, str]:
    """(request, approve): a settlement has its own, held by collectors too (their discount
    limit is data, `SettlementLimit`)."""
    if kind == LoanModification.Kind.SETTLEMENT:
        return SETTLEMENT_REQUEST_PERMISSION, SETTLEMENT_APPROVE_PERMISSION
    return REQUEST_PERMISSION, APPROVE_PERMISSION


def _audit(actor, action: str, modification: LoanModification, business_date: date, note: str):
    audit_record(
        actor=actor,
        action=f"modification.{action}",
        target=modification,
        after={
            "loan": modification.loan_id,
            "kind": modification.kind,
            "status": modification.status,
            "parameters": modification.parameters,
            "entries": modification.entry_ids,
        },
        reason=note,
        source="admin",
        business_date=business_date,
    )


def backoffice_modification_request(
    *, loan, kind: str, effective_date: date, parameters: dict, reason: str, actor, business_date
) -> LoanModification:
    require_permission(actor, _permissions(kind)[0])
    with transaction.atomic():
        modification = modification_request(
            loan=loan,
            kind=kind,
            effective_date=effective_date,
            parameters=parameters,
            business_date=business_date,
            requested_by=actor.get_username(),
            reason=reason,
        )
        _audit(actor, "request", modification, business_date, reason)
    return modification


def backoffice_modification_decide(
    *, modification: LoanModification, approve: bool, actor, business_date: date, note: str = ""
) -> LoanModification:
    """Approve (and apply) or reject, by a user with ``loans.approve_modification`` (a
    settlement: ``loans.approve_settlement``) who is not the maker."""
    require_permission(actor, _permissions(modification.kind)[1])
    service = modification_approve if approve else modification_reject
    with transaction.atomic():
        decided = service(
            modification=modification,
            checker=actor.get_username(),
            business_date=business_date,
            note=note,
        )
        _audit(actor, "approve" if approve else "reject", decided, business_date, note)
    return decided
