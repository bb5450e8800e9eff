"""The demo on the calendar: a simulated history that ends today.

`make run` opens the books `days` days before today's date (the wall clock, read once, here, at
set-up) and then simulates those `days` closes, so the business date after set-up is today and
the close of today is the next thing that happens. Books already open are left as they are.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from ledger.models import BusinessDate
from ledger.services import business_date_current, business_date_open


def books_open_for_history(*, days: int, today: date | None = None) -> date:
    """Open the books at `today` − `days` (today: the local calendar date) unless they are
    open already; returns the business date."""
    if BusinessDate.objects.filter(lender=settings.LEDGER_LENDER).exists():
        return business_date_current()
    today = today or timezone.localdate()
    return business_date_open(on=today - timedelta(days=days))
