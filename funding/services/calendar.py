"""When a partner is paid: the settlement calendar of its arrangements (daily, weekly on
Fridays, monthly on a month's last day); the days between accumulate on the payable."""

from __future__ import annotations

from datetime import date, timedelta

from ..models import FundingArrangement


def funder_calendar(funder_id: int) -> str:
    """The calendar of the funder's active arrangements; the most frequent when they differ."""
    calendars = set(
        FundingArrangement.objects.filter(is_active=True, shares__funder_id=funder_id)
        .values_list("settlement_calendar", flat=True)
        .distinct()
    )
    for calendar in FundingArrangement.Calendar.values:
        if calendar in calendars:
            return calendar
    return FundingArrangement.Calendar.DAILY


def is_settlement_day(calendar: str, day: date) -> bool:
    if calendar == FundingArrangement.Calendar.WEEKLY:
        return day.weekday() == 4
    if calendar == FundingArrangement.Calendar.MONTHLY:
        return (day + timedelta(days=1)).day == 1
    return True
