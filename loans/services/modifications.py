"""Loan modifications: quote, request, approve (and apply), reject.

Maker-checker: a request names its maker (a staff user, or ``borrower:<id>`` when the borrower
asked through the API); approving takes a different checker (refused here, and by the database)
and applies the modification at once, in one transaction with the loan locked: the rows it
replaces are cancelled (what was recognized on them given back, through the ledger), the new
rows inserted, the loan's rate and maturity updated and the record kept with the schedule and
APR before and after. The plan is computed again at approval, on the schedule as it is then.
A restructuring (`RESTRUCTURING`) flags the loan with the end of its observation period, which
the classification (compliance's provisioning step) reads.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from core.maker_checker import Decision
from loans.errors import LoanRuleError, LoanStateError
from loans.events import loan_modified
from loans.models import Loan, LoanModification

from .applying import loan_lock
from .book import LoanBook
from .loan_io import installments_of
from .modification_apply import modification_apply
from .modification_plan import Plan, modification_plan
from .settlements import SettlementQuote, settlement_approve, settlement_keep, settlement_quote

Status = LoanModification.Status
Kind = LoanModification.Kind


def modification_quote(
    *, loan: Loan, kind: str, effective_date: date, parameters: dict, business_date: date
) -> Plan | SettlementQuote:
    """What the modification would do now (nothing is written)."""
    if kind == Kind.SETTLEMENT:
        return settlement_quote(loan=loan, parameters=parameters, business_date=business_date)
    return modification_plan(
        loan,
        installments_of(loan, open_only=True),
        kind=kind,
        effective_date=effective_date,
        parameters=parameters,
        business_date=business_date,
    )


def _keep_plan(modification: LoanModification, plan: Plan) -> None:
    modification.schedule_before = plan.rows_before()
    modification.schedule_after = plan.rows_after()
    modification.apr_before = plan.apr_before
    modification.apr_after = plan.apr_after
    modification.installment_before = plan.installment_before
    modification.installment_after = plan.installment_after


def modification_request(
    *,
    loan: Loan,
    kind: str,
    effective_date: date,
    parameters: dict,
    business_date: date,
    requested_by: str,
    reason: str = "",
) -> LoanModification:
    """Record a request after quoting it (a request that cannot be applied is refused)."""
    if kind not in LoanModification.Kind.values:
        raise LoanRuleError(f"Unknown modification kind {kind!r}.")
    if not requested_by:
        raise LoanRuleError("A modification request names who made it.")
    with transaction.atomic():
        locked = loan_lock(loan.pk)
        plan = modification_quote(
            loan=locked,
            kind=kind,
            effective_date=effective_date,
            parameters=parameters,
            business_date=business_date,
        )
        modification = LoanModification(
            loan=locked,
            kind=kind,
            effective_date=effective_date,
            parameters=parameters,
            reason=reason,
            requested_by=requested_by,
            requested_on=business_date,
        )
        if kind == Kind.SETTLEMENT:
            settlement_keep(modification, plan)
            modification.schedule_before = _open_rows_json(locked)
        else:
            _keep_plan(modification, plan)
        modification.save()
    return modification


def _open_rows_json(loan: Loan) -> list[dict[str, str]]:
    return [
        {
            "number": row.number,
            "due_date": row.due_date.isoformat(),
            "principal": str(row.principal_due - row.principal_paid),
            "interest": str(row.interest_due - row.interest_paid),
            "fee": str(row.fee_due - row.fee_paid),
            "total": str(row.outstanding),
        }
        for row in installments_of(loan, open_only=True)
    ]


DECISION = Decision(
    model=LoanModification,
    pending=Status.REQUESTED,
    maker="requested_by",
    checker="checked_by",
    decided_at="decided_on",
    not_pending=lambda modification: LoanStateError(
        f"Modification {modification.pk} is {modification.status}; only a requested one can "
        "be decided."
    ),
    self_decision=lambda modification: LoanRuleError(
        f"Modification {modification.pk} was requested by {modification.requested_by}: "
        "another user must decide it (maker-checker)."
    ),
)


def _decidable(modification_id: int, checker: str) -> LoanModification:
    return DECISION.pending_for(modification_id, checker)


def modification_approve(
    *, modification: LoanModification, checker: str, business_date: date, note: str = ""
) -> LoanModification:
    """Approve and apply a requested modification (one transaction, through the ledger). A
    settlement is approved within the checker's discount limit and waits for its payments
    (`settlements`)."""
    with transaction.atomic():
        modification = _decidable(modification.pk, checker)
        loan = loan_lock(modification.loan_id)
        if modification.kind == Kind.SETTLEMENT:
            settlement_approve(
                modification=modification, loan=loan, checker=checker, business_date=business_date
            )
            DECISION.mark(
                modification,
                status=Status.APPROVED,
                checker=checker,
                when=business_date,
                note=note,
            )
            modification.save()
            return modification
        book = LoanBook(
            loan, business_date=business_date, rows=installments_of(loan, open_only=True)
        )
        plan = modification_apply(book, modification, as_of=business_date, actor=checker)
        _keep_plan(modification, plan)
        DECISION.mark(
            modification, status=Status.APPLIED, checker=checker, when=business_date, note=note
        )
        modification.applied_on = business_date
        modification.save()
        loan_modified(modification, loan, business_date)
    return modification


def modification_reject(
    *, modification: LoanModification, checker: str, business_date: date, note: str = ""
) -> LoanModification:
    with transaction.atomic():
        modification = _decidable(modification.pk, checker)
        DECISION.record(
            modification, status=Status.REJECTED, checker=checker, when=business_date, note=note
        )
    return modification
