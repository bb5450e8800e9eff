"""The one way a loan changes state: the django-fsm transition, saved and logged together."""

from datetime import date

from django.db import transaction
from django_fsm import TransitionNotAllowed

from .errors import LoanStateError
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
        return LoanTransition.objects.create(
            loan=loan,
            from_status=before,
            to_status=loan.status,
            actor=actor,
            business_date=business_date,
            reason=reason,
        )
