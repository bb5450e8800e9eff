"""Due dates: month arithmetic that rolls month ends correctly, business calendars, shift rules.

Monthly due dates are always computed from one *anchor day* (the first due date's day, or the
product's fixed repayment day), never from the previous due date, so a loan due on the 31st is due
Jan 31 → Feb 28 (Feb 29 in a leap year) → Mar 31 → Apr 30, and never drifts to the 28th.

Business calendars come from the ``holidays`` package. China's calendar includes the official
make-up working days (调休: a Saturday or Sunday declared a working day), which ``holidays``
publishes as ``weekend_workdays``; ``HolidaysCalendar`` honours them through ``is_working_day``.
Years the State Council has not yet announced carry the statutory holidays ``holidays`` computes
by rule, and no make-up days.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Protocol

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ONE_DAY = timedelta(days=1)
_MAX_SHIFT_DAYS = 60


class CalendarError(ValueError):
    """An unknown frequency, calendar or shift rule, or dates that cannot be scheduled."""


class Frequency(StrEnum):
    MONTHLY = "monthly"
    BIWEEKLY = "biweekly"
    WEEKLY = "weekly"

    @property
    def periods_per_year(self) -> int:
        return {"monthly": 12, "biweekly": 26, "weekly": 52}[self.value]

    @property
    def days(self) -> int | None:
        """Length in days of a week-based period; None for monthly."""
        return {"monthly": None, "biweekly": 14, "weekly": 7}[self.value]


class ShiftRule(StrEnum):
    """What happens to a due date that falls on a non-business day."""

    NONE = "none"
    NEXT_BUSINESS_DAY = "next_business_day"
    PREVIOUS_BUSINESS_DAY = "previous_business_day"


def is_leap_year(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    if month == 2 and is_leap_year(year):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def is_month_end(day: date) -> bool:
    return day.day == days_in_month(day.year, day.month)


def add_months(day: date, months: int, anchor_day: int | None = None) -> date:
    """``day`` moved by ``months`` calendar months, on ``anchor_day`` (default ``day.day``)
    clamped to the target month's length. Negative ``months`` move backwards."""
    index = day.month - 1 + months
    year = day.year + index // 12
    month = index % 12 + 1
    wanted = day.day if anchor_day is None else anchor_day
    return date(year, month, min(wanted, days_in_month(year, month)))


def contractual_due_dates(
    start_date: date,
    term: int,
    frequency: Frequency = Frequency.MONTHLY,
    first_due_date: date | None = None,
    due_day: int | None = None,
) -> list[date]:
    """The ``term`` contractual (unshifted) due dates of a loan disbursed on ``start_date``.

    Without ``first_due_date`` the first due date is one period after the start (monthly: on
    ``due_day`` if given, else the start's day). Later dates step from the first due date: monthly
    dates keep the anchor day (``due_day`` or the first due date's day), week-based dates add 7
    or 14 days.
    """
    if term < 1:
        raise CalendarError(f"term must be at least one period, not {term}")
    if due_day is not None and not 1 <= due_day <= 31:
        raise CalendarError(f"due day must be between 1 and 31, not {due_day}")
    step = frequency.days
    if step is None:
        if due_day is not None:
            anchor = due_day
        elif first_due_date is None:
            anchor = start_date.day
        else:
            anchor = first_due_date.day
        if first_due_date is None:
            first_due_date = add_months(start_date, 1, anchor)
        dates = [first_due_date]
        dates.extend(add_months(first_due_date, k, anchor) for k in range(1, term))
    else:
        if first_due_date is None:
            first_due_date = start_date + timedelta(days=step)
        dates = [first_due_date + timedelta(days=step * k) for k in range(term)]
    if dates[0] <= start_date:
        raise CalendarError(f"first due date {dates[0]} must be after the start date {start_date}")
    return dates


def is_regular_first_period(start_date: date, first_due_date: date, frequency: Frequency) -> bool:
    """True when the first period is exactly one period long: one calendar month (month end to
    month end counts too) or 7 / 14 days. Otherwise the first period is odd (short or long)."""
    step = frequency.days
    if step is not None:
        return (first_due_date - start_date).days == step
    if add_months(start_date, 1) == first_due_date:
        return True
    months_apart = (first_due_date.year - start_date.year) * 12 + first_due_date.month
    return (
        months_apart - start_date.month == 1
        and is_month_end(start_date)
        and is_month_end(first_due_date)
    )


class BusinessCalendar(Protocol):
    name: str

    def is_business_day(self, day: date) -> bool: ...


class AllDaysCalendar:
    """Every day is a business day (no calendar configured)."""

    name = "none"

    def is_business_day(self, day: date) -> bool:
        return True


class WeekendCalendar:
    """Saturdays and Sundays are closed; no public holidays."""

    name = "weekends"

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5


class HolidaysCalendar:
    """A country's (or subdivision's) calendar from the ``holidays`` package: its weekends and
    public holidays are closed, its declared weekend working days (China's 调休) are open."""

    def __init__(self, country: str, subdivision: str | None = None) -> None:
        import holidays  # deferred: building the country tables costs milliseconds

        try:
            self._holidays = holidays.country_holidays(country, subdiv=subdivision)
        except NotImplementedError as exc:  # raised by ``holidays`` for unknown countries
            raise CalendarError(f"unknown holiday calendar {country!r}") from exc
        self.name = country if subdivision is None else f"{country}-{subdivision}"

    def is_business_day(self, day: date) -> bool:
        return self._holidays.is_working_day(day)

    def holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day)


@lru_cache(maxsize=32)
def get_calendar(name: str | None) -> BusinessCalendar:
    """A calendar by name: ``None``/``"none"``, ``"weekends"``, or an ISO country code with an
    optional subdivision (``"CN"``, ``"US"``, ``"US-NY"``) from the ``holidays`` package."""
    if name is None or name.lower() in ("", "none"):
        return AllDaysCalendar()
    if name.lower() == "weekends":
        return WeekendCalendar()
    country, _, subdivision = name.partition("-")
    return HolidaysCalendar(country.upper(), subdivision.upper() or None)


def next_business_day(day: date, calendar: BusinessCalendar) -> date:
    """``day`` itself when it is a business day, else the first business day after it."""
    for _ in range(_MAX_SHIFT_DAYS):
        if calendar.is_business_day(day):
            return day
        day += _ONE_DAY
    raise CalendarError(f"no business day within {_MAX_SHIFT_DAYS} days in {calendar.name}")


def previous_business_day(day: date, calendar: BusinessCalendar) -> date:
    """``day`` itself when it is a business day, else the last business day before it."""
    for _ in range(_MAX_SHIFT_DAYS):
        if calendar.is_business_day(day):
            return day
        day -= _ONE_DAY
    raise CalendarError(f"no business day within {_MAX_SHIFT_DAYS} days in {calendar.name}")


def shift_due_date(
    day: date,
    rule: ShiftRule,
    calendar: BusinessCalendar,
    not_before: date | None = None,
) -> date:
    """Apply a shift rule. A previous-business-day shift that would land on or before
    ``not_before`` (the disbursement date) moves to the next business day instead: nothing can be
    due on or before the day the money is paid out."""
    if rule is ShiftRule.NONE:
        return day
    if rule is ShiftRule.NEXT_BUSINESS_DAY:
        return next_business_day(day, calendar)
    shifted = previous_business_day(day, calendar)
    if not_before is not None and shifted <= not_before:
        return next_business_day(day, calendar)
    return shifted


def parse_frequency(value: Frequency | str) -> Frequency:
    try:
        return Frequency(str(value).strip().lower())
    except ValueError:
        known = ", ".join(member.value for member in Frequency)
        raise CalendarError(f"unknown frequency {value!r}; use one of: {known}") from None


def parse_shift_rule(value: ShiftRule | str) -> ShiftRule:
    aliases = {"next": "next_business_day", "previous": "previous_business_day", "": "none"}
    text = str(value).strip().lower()
    try:
        return ShiftRule(aliases.get(text, text))
    except ValueError:
        known = ", ".join(member.value for member in ShiftRule)
        raise CalendarError(f"unknown shift rule {value!r}; use one of: {known}") from None
