"""The lender's credit assessments of borrowers: the one a price is set on."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from loans.models import CreditAssessment

DEFAULT_VALID_DAYS = 90


def assessment_valid_days() -> int:
    """How long an assessment prices (``LOANS_CREDIT_ASSESSMENT_VALID_DAYS``, default 90): an
    older score no longer says who the borrower is."""
    return int(getattr(settings, "LOANS_CREDIT_ASSESSMENT_VALID_DAYS", DEFAULT_VALID_DAYS))


def credit_assessment_current(*, borrower_id: int, on_date: date) -> CreditAssessment | None:
    """The borrower's latest assessment made on or before ``on_date`` and still valid on it
    (None: the borrower is priced as unscored, in the worst band)."""
    oldest = on_date - timedelta(days=assessment_valid_days())
    return (
        CreditAssessment.objects.filter(
            borrower_id=borrower_id, business_date__lte=on_date, business_date__gte=oldest
        )
        .order_by("-business_date", "-id")
        .first()
    )
