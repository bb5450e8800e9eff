"""Staff actions on loans, each checked against the actor's Django permission and recorded in
the audit trail in the same transaction as the action (``core.audit``).

The admin and the back-office API both call these; the lifecycle services they wrap
(``origination``, ``disbursement``, ``repayments``, ``reversals``) keep the books. Money-moving
services write their own audit row in their own durable transaction: these wrappers pass them
who asked; approval and rejection, which move no money, are audited here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy

from core.audit import AuditContext, audit_record, audit_snapshot
from core.errors import DomainError
from loans.errors import LoanRuleError, LoanStateError
from loans.models import Borrower, CreditAssessment, Loan, Repayment

from .applying import loan_lock
from .credit_assessments import credit_assessment_record
from .disbursement import LOAN_AUDIT_FIELDS, loan_disburse
from .origination import loan_approve, loan_reject
from .payoff import PayoffQuote, loan_pay_off, loan_payoff_quote
from .prepayments import loan_prepay
from .repayments import loan_repay
from .reversals import repayment_reverse

ASSESS_PERMISSION = "loans.assess_credit"


class StaffPermissionDenied(DomainError):
    status_code = 403
    code = "permission-denied"
    title = gettext_lazy("You do not have permission to perform this action.")


def require_permission(user, permission: str) -> None:
    """Only an active staff user holding ``permission`` passes."""
    if not (user and user.is_active and user.is_staff and user.has_perm(permission)):
        raise StaffPermissionDenied(f"This needs the permission {permission}.")


def _loan_action(
    *,
    action: str,
    permission: str,
    loan: Loan,
    actor,
    business_date: date,
    reason: str,
    source: str,
    run,
) -> Loan:
    require_permission(actor, permission)
    with transaction.atomic():
        locked = loan_lock(loan.pk)
        before = audit_snapshot(locked, LOAN_AUDIT_FIELDS)
        changed = run(locked)
        audit_record(
            actor=actor,
            action=f"loan.{action}",
            target=changed,
            before=before,
            after=audit_snapshot(changed, LOAN_AUDIT_FIELDS),
            reason=reason,
            source=source,
            business_date=business_date,
        )
    return changed


def backoffice_loan_approve(
    *, loan: Loan, actor, business_date: date, reason: str = "", source: str = "admin"
) -> Loan:
    """pending → approved, by a user with ``loans.approve_loan``."""
    return _loan_action(
        action="approve",
        permission="loans.approve_loan",
        loan=loan,
        actor=actor,
        business_date=business_date,
        reason=reason,
        source=source,
        run=lambda locked: loan_approve(
            loan=locked, business_date=business_date, actor=actor.get_username(), reason=reason
        ),
    )


def backoffice_loan_reject(
    *, loan: Loan, actor, business_date: date, reason: str = "", source: str = "admin"
) -> Loan:
    """pending or approved → rejected, by a user with ``loans.approve_loan``."""
    return _loan_action(
        action="reject",
        permission="loans.approve_loan",
        loan=loan,
        actor=actor,
        business_date=business_date,
        reason=reason,
        source=source,
        run=lambda locked: loan_reject(
            loan=locked, business_date=business_date, actor=actor.get_username(), reason=reason
        ),
    )


def backoffice_loan_disburse(
    *, loan: Loan, actor, business_date: date, reason: str = "", source: str = "admin"
) -> Loan:
    """approved → active with its schedule and the disbursement posted (``loans.disburse_loan``);
    `loan_disburse` writes the audit row in its own (durable) transaction."""
    require_permission(actor, "loans.disburse_loan")
    return loan_disburse(
        loan=loan,
        business_date=business_date,
        actor=actor.get_username(),
        audit=AuditContext(user=actor, source=source, reason=reason),
    )


def backoffice_repayment_record(
    *,
    loan: Loan,
    amount: Decimal,
    value_date: date,
    idempotency_key: str,
    actor,
    business_date: date,
    external_reference: str = "",
    channel: str = "bank",
    recovery_source: str = "",
    source: str = "admin",
    durable: bool = True,
) -> Repayment:
    """A repayment received at the bank, recorded by staff (``loans.record_repayment``); on a
    charged-off loan a recovery, collected by `recovery_source`. The same key and request
    returns the first repayment."""
    require_permission(actor, "loans.record_repayment")
    return loan_repay(
        loan=loan,
        amount=amount,
        value_date=value_date,
        business_date=business_date,
        idempotency_key=idempotency_key,
        channel=channel,
        external_reference=external_reference,
        actor=actor.get_username(),
        source=recovery_source,
        audit=AuditContext(user=actor, source=source),
        durable=durable,
    )


def backoffice_payoff_quote(*, loan: Loan, on: date, actor) -> PayoffQuote:
    """What pays the loan off on `on`, for staff who may view loans (reads only)."""
    require_permission(actor, "loans.view_loan")
    if not loan.is_open:
        raise LoanStateError(f"Loan {loan.reference} is {loan.status}: nothing to pay off.")
    if loan.disbursed_on is None or on < loan.disbursed_on:
        raise LoanRuleError(f"{on} is before the loan was paid out.")
    return loan_payoff_quote(loan=loan, on=on)


def backoffice_prepayment_record(
    *,
    loan: Loan,
    amount: Decimal,
    value_date: date,
    idempotency_key: str,
    actor,
    business_date: date,
    payoff: bool = False,
    mode: str | None = None,
    external_reference: str = "",
    channel: str = "bank",
    source: str = "admin",
) -> Repayment:
    """A prepayment received at the bank, recorded by staff (``loans.record_repayment``): a
    payoff (at least the payoff amount on the value date) or a partial prepayment in `mode`."""
    require_permission(actor, "loans.record_repayment")
    common = {
        "loan": loan,
        "amount": amount,
        "value_date": value_date,
        "business_date": business_date,
        "idempotency_key": idempotency_key,
        "channel": channel,
        "external_reference": external_reference,
        "actor": actor.get_username(),
        "audit": AuditContext(user=actor, source=source),
    }
    if payoff:
        return loan_pay_off(**common)
    return loan_prepay(**common, mode=mode)


def backoffice_repayment_reverse(
    *, repayment: Repayment, reason: str, actor, business_date: date, source: str = "admin"
) -> Repayment:
    """Reverse a returned or bounced repayment (``loans.record_repayment``)."""
    require_permission(actor, "loans.record_repayment")
    return repayment_reverse(
        repayment=repayment,
        business_date=business_date,
        actor=actor.get_username(),
        reason=reason,
        audit=AuditContext(user=actor, source=source, reason=reason),
    )


def backoffice_credit_assess(
    *,
    borrower: Borrower,
    score: int,
    reason: str,
    actor,
    business_date: date,
    reference: str = "",
    source: str = "admin",
) -> CreditAssessment:
    """A staff user's credit assessment of a borrower (``loans.assess_credit``), with the reason
    and the evidence it rests on (e.g. a bureau report's number), audited: it sets the price of
    the borrower's next direct application and rechecks the price of pending ones."""
    require_permission(actor, ASSESS_PERMISSION)
    if not reason.strip():
        raise LoanRuleError("A credit assessment needs a reason.")
    with transaction.atomic():
        assessment = credit_assessment_record(
            borrower=borrower,
            score=score,
            source=CreditAssessment.Source.STAFF,
            provider=actor.get_username(),
            reference=reference,
            reason=reason,
            business_date=business_date,
            assessed_by=actor.get_username(),
        )
        audit_record(
            actor=actor,
            action="borrower.credit_assess",
            target=borrower,
            after={"assessment": assessment.pk, "score": score, "reference": reference},
            reason=reason,
            source=source,
            business_date=business_date,
        )
    return assessment


def borrower_unmask(*, borrower: Borrower, actor, source: str = "admin") -> dict[str, str]:
    """A borrower's national ID and phone in clear, for a user with ``loans.unmask_borrower``;
    every look is audited (PIPL: who saw whose personal data, when)."""
    require_permission(actor, "loans.unmask_borrower")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="borrower.unmask",
            target=borrower,
            after={"fields": ["national_id", "mobile"]},
            source=source,
        )
    return {"national_id": borrower.national_id, "mobile": borrower.mobile}
