"""Reads for the API and the admin: per-user (another borrower's application or line is simply
not found) and the manual-review queue."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from origination.models import CreditLine, DecisionRecord, LoanApplication


def _borrower_id(user) -> int | None:
    borrower = getattr(user, "borrower", None) if user and user.is_authenticated else None
    return None if borrower is None else borrower.pk


def application_get_for_user(*, user, reference: str) -> LoanApplication:
    borrower_id = _borrower_id(user)
    application = (
        LoanApplication.objects.filter(borrower_id=borrower_id, reference=reference)
        .select_related("product")
        .first()
    )
    if borrower_id is None or application is None:
        raise Http404
    return application


def applications_for_user(*, user) -> QuerySet[LoanApplication]:
    """The borrower's applications, newest first, with their product, credit line and decisions
    (newest first, with the policy their reasons' texts come from) fetched alongside: a page
    costs the same few queries however many applications it holds."""
    decisions = DecisionRecord.objects.select_related("policy_version").order_by("-id")
    return (
        LoanApplication.objects.filter(borrower_id=_borrower_id(user))
        .select_related("product", "line")
        .prefetch_related(Prefetch("decisions", queryset=decisions, to_attr="decisions_newest"))
        .order_by("-id")
    )


def application_latest_decision(*, application: LoanApplication) -> DecisionRecord | None:
    return application.decisions.order_by("-id").first()


def credit_lines_for_user(*, user) -> QuerySet[CreditLine]:
    return (
        CreditLine.objects.filter(borrower_id=_borrower_id(user))
        .select_related("product")
        .order_by("-id")
    )


def credit_line_get_for_user(*, user, reference: str) -> CreditLine:
    line = credit_lines_for_user(user=user).filter(reference=reference).first()
    if line is None:
        raise Http404
    return line


def review_queue() -> QuerySet[LoanApplication]:
    """Referred applications, oldest first: the manual-review queue."""
    return (
        LoanApplication.objects.filter(status=LoanApplication.Status.REFERRED)
        .select_related("borrower", "product")
        .order_by("submitted_at", "id")
    )
