"""The one way a loan changes state: the django-fsm transition, saved and logged together."""

from collections.abc import Mapping, Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed

from .errors import LoanStateError
from .events import loan_transitioned
from .models import Loan, LoanTransition


def loan_transition(
    *, loan: Loan, action: str, actor: str, business_date: date, reason: str = ""
) -> LoanTransition:
    """Apply `action` (e.g. "approve") to a loan the caller has locked; log who, when and why.

    An illegal transition raises `LoanStateError` and changes nothing.
    """
    method = getattr(loan, action, None)
    if method is None or not hasattr(method, "_django_fsm"):
        raise LoanStateError(f"'{action}' is not a loan transition.")
    before = loan.status
    with transaction.atomic():
        try:
            method()
        except TransitionNotAllowed as exc:
            raise LoanStateError(
                f"Loan {loan.reference} is {before}; it cannot {action.replace('_', ' ')}."
            ) from exc
        loan.save(update_fields=["status", "updated_at"])
        logged = LoanTransition.objects.create(
            loan=loan,
            from_status=before,
            to_status=loan.status,
            actor=actor,
            business_date=business_date,
            reason=reason,
        )
        loan_transitioned(action, [logged], {loan.pk: loan.reference})
        return logged


def loan_transition_bulk(
    *,
    loans: Sequence[Loan],
    action: str,
    actor: str,
    business_date: date,
    reasons: Mapping[int, str] | None = None,
) -> list[LoanTransition]:
    """Apply one `action` to many loans the caller has locked (the end-of-day close), through
    the same django-fsm rules as `loan_transition`, in one UPDATE and one INSERT of the log.

    Every loan is checked with `can_proceed` first: one illegal transition raises
    `LoanStateError` and changes nothing.
    """
    if not loans:
        return []
    if not hasattr(getattr(Loan, action, None), "_django_fsm"):
        raise LoanStateError(f"'{action}' is not a loan transition.")
    for loan in loans:
        if not can_proceed(getattr(loan, action)):
            raise LoanStateError(
                f"Loan {loan.reference} is {loan.status}; it cannot {action.replace('_', ' ')}."
            )
    reasons = reasons or {}
    now = timezone.now()
    log = []
    with transaction.atomic():
        for loan in loans:
            before = loan.status
            getattr(loan, action)()
            loan.updated_at = now
            log.append(
                LoanTransition(
                    loan=loan,
                    from_status=before,
                    to_status=loan.status,
                    actor=actor,
                    business_date=business_date,
                    reason=reasons.get(loan.id, ""),
                )
            )
        Loan.objects.bulk_update(loans, ["status", "updated_at"], batch_size=1000)
        loan_transitioned(action, log, {loan.pk: loan.reference for loan in loans})
        return LoanTransition.objects.bulk_create(log, batch_size=1000)
