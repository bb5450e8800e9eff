"""Unit-periods and payment dates: the calendar every APR method counts time on.

Pure date arithmetic, no rates: which unit-period a series of payments runs on (Appendix J (b)(4)),
how many whole unit-periods and what fraction of one lie between the advance and a payment
(Appendix J (b)(5)), and the dates of a regular series.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from calc.apr.errors import AprError

__all__ = [
    "UnitPeriod",
    "days_in_month",
    "infer_unit_period",
    "months_back",
    "parse_unit_period",
    "payment_dates",
    "regular_payments",
    "series_day",
    "unit_periods_between",
    "whole_months_back",
]

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class UnitPeriod(StrEnum):
    MONTHLY = "monthly"
    SEMIMONTHLY = "semimonthly"
    BIWEEKLY = "biweekly"
    WEEKLY = "weekly"
    QUARTERLY = "quarterly"
    FOUR_WEEKLY = "four_weekly"
    BIMONTHLY = "bimonthly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"
    TERM = "term"
    """A single-payment transaction's whole term (at most a year)."""

    @property
    def months(self) -> int | None:
        return UNIT_MONTHS.get(self)

    @property
    def days(self) -> int | None:
        return _UNIT_DAYS.get(self)

    @property
    def periods_per_year(self) -> int:
        if self is UnitPeriod.TERM:
            raise AprError("a single payment's unit-period count depends on its term")
        return _PERIODS_PER_YEAR[self]


UNIT_MONTHS = {
    UnitPeriod.MONTHLY: 1,
    UnitPeriod.BIMONTHLY: 2,
    UnitPeriod.QUARTERLY: 3,
    UnitPeriod.SEMIANNUAL: 6,
    UnitPeriod.ANNUAL: 12,
}
_UNIT_DAYS = {UnitPeriod.WEEKLY: 7, UnitPeriod.BIWEEKLY: 14, UnitPeriod.FOUR_WEEKLY: 28}
_PERIODS_PER_YEAR = {
    UnitPeriod.MONTHLY: 12,
    UnitPeriod.SEMIMONTHLY: 24,
    UnitPeriod.BIWEEKLY: 26,
    UnitPeriod.WEEKLY: 52,
    UnitPeriod.QUARTERLY: 4,
    UnitPeriod.FOUR_WEEKLY: 13,
    UnitPeriod.BIMONTHLY: 6,
    UnitPeriod.SEMIANNUAL: 2,
    UnitPeriod.ANNUAL: 1,
}


def parse_unit_period(value: UnitPeriod | str) -> UnitPeriod:
    try:
        return UnitPeriod(str(value).strip().lower())
    except ValueError:
        known = ", ".join(member.value for member in UnitPeriod if member is not UnitPeriod.TERM)
        raise AprError(f"unknown unit-period {value!r}; use one of: {known}") from None


def days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def months_back(day: date, months: int, nominal_day: int) -> date:
    index = day.month - 1 - months
    year = day.year + index // 12
    month = index % 12 + 1
    return date(year, month, min(nominal_day, days_in_month(year, month)))


def whole_months_back(start: date, payment: date, nominal_day: int) -> tuple[int, date]:
    """The most whole months that fit measured back from ``payment`` without passing ``start``,
    and the date they reach."""
    months = max((payment.year - start.year) * 12 + payment.month - start.month, 0)
    back = months_back(payment, months, nominal_day)
    while back < start:
        months -= 1
        back = months_back(payment, months, nominal_day)
    return months, back


def unit_periods_between(
    start: date, payment: date, unit_period: UnitPeriod | str, nominal_day: int | None = None
) -> tuple[int, int, int]:
    """Appendix J (b)(5): whole unit-periods ``t`` and the fraction ``num/den`` of one more
    between the advance on ``start`` and a payment. Returns ``(t, num, den)``.

    * weeks: the days between the dates divided by 7·w (b)(5)(iv);
    * months, multiples of a month up to 11, semimonths: 30 days for each full month measured
      back from the payment, plus the remaining days, divided by 30·m or by 15 (b)(5)(ii)-(iii);
    * years: full years back, then the remaining whole months over 12, or, when the remainder
      is not a whole number of months, its days over 365 (b)(5)(v).

    ``nominal_day`` is the series' day of month: a payment on a month's last day that is earlier
    than the series' day (Feb 28 in a series due on the 30th) is measured back as if due on that
    day, as Appendix J (b)(3)(iv) measures months.
    """
    unit = parse_unit_period(unit_period)
    if payment < start:
        raise AprError(f"payment date {payment} is before the advance on {start}")
    if unit is UnitPeriod.TERM:
        return 1, 0, 1
    step_days = unit.days
    if step_days is not None:
        days = (payment - start).days
        return days // step_days, days % step_days, step_days
    return count_back_months(
        start, payment, unit, payment.day if nominal_day is None else nominal_day
    )


def count_back_months(
    start: date, payment: date, unit: UnitPeriod, day: int
) -> tuple[int, int, int]:
    months, back = whole_months_back(start, payment, day)
    if unit is UnitPeriod.ANNUAL:
        years = months // 12
        if months % 12 and back == start:
            return years, months % 12, 12
        year_back = months_back(payment, years * 12, day)
        return years, (year_back - start).days, 365
    days = 30 * months + (back - start).days
    per_unit = 15 if unit is UnitPeriod.SEMIMONTHLY else 30 * UNIT_MONTHS[unit]
    return days // per_unit, days % per_unit, per_unit


def payment_dates(first: date, count: int, unit_period: UnitPeriod | str) -> list[date]:
    """``count`` payment dates from ``first`` at the unit-period's interval. Month-based dates
    keep ``first``'s day (clamped to short months); semimonthly dates alternate between the day
    and the day 15 later (the 1st and 16th, the 15th and the 30th / month end)."""
    unit = parse_unit_period(unit_period)
    if count < 1:
        raise AprError(f"the number of payments must be at least 1, not {count}")
    if unit.days is not None:
        step = timedelta(days=unit.days)
        return [first + step * k for k in range(count)]
    if unit is UnitPeriod.SEMIMONTHLY:
        low = first.day if first.day <= 15 else first.day - 15
        dates = []
        for k in range(count):
            months = (k + (0 if first.day <= 15 else 1)) // 2
            base = months_back(first, -months, low)
            on_high = (k % 2 == 1) == (first.day <= 15)
            wanted = low + 15 if on_high else low
            dates.append(
                date(base.year, base.month, min(wanted, days_in_month(base.year, base.month)))
            )
        return dates
    if unit is UnitPeriod.TERM:
        raise AprError("a series of payments needs a unit-period, not the term")
    unit_months = unit.months
    assert unit_months is not None
    return [months_back(first, -unit_months * k, first.day) for k in range(count)]


def regular_payments(
    amount: Decimal, count: int, first: date, unit_period: UnitPeriod | str
) -> list[tuple[Decimal, date]]:
    """``count`` payments of ``amount`` (the ``N@AMOUNT`` form) as ``(amount, date)`` pairs."""
    return [(amount, day) for day in payment_dates(first, count, unit_period)]


def _is_month_step(earlier: date, later: date) -> bool:
    """True when ``later`` is ``earlier`` moved by whole months on the same day, or on the
    month's last day when that day does not exist (01-31 → 02-28) or both are month ends."""
    if later.day == earlier.day:
        return True
    later_end = later.day == days_in_month(later.year, later.month)
    earlier_end = earlier.day == days_in_month(earlier.year, earlier.month)
    return (later_end and later.day < earlier.day) or (earlier_end and later_end)


def _classify_gap(earlier: date, later: date) -> UnitPeriod | None:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    by_months = {
        1: UnitPeriod.MONTHLY,
        2: UnitPeriod.BIMONTHLY,
        3: UnitPeriod.QUARTERLY,
        6: UnitPeriod.SEMIANNUAL,
        12: UnitPeriod.ANNUAL,
    }
    if months in by_months and _is_month_step(earlier, later):
        return by_months[months]
    days = (later - earlier).days
    by_days = {7: UnitPeriod.WEEKLY, 14: UnitPeriod.BIWEEKLY, 28: UnitPeriod.FOUR_WEEKLY}
    if days in by_days:
        return by_days[days]
    if 13 <= days <= 16:
        return UnitPeriod.SEMIMONTHLY
    return None


def infer_unit_period(payment_dates: Sequence[date]) -> UnitPeriod:
    """The unit-period of Appendix J (b)(4): the most frequent interval between payments.
    One payment: the term. A 14-day gap counts as semimonthly when other gaps are semimonths."""
    ordered = sorted(payment_dates)
    if len(ordered) == 1:
        return UnitPeriod.TERM
    gaps = [_classify_gap(a, b) for a, b in zip(ordered, ordered[1:], strict=False)]
    counts = Counter(gap for gap in gaps if gap is not None)
    if not counts:
        raise AprError("cannot tell the unit-period from the payment dates; give it explicitly")
    if UnitPeriod.SEMIMONTHLY in counts and UnitPeriod.BIWEEKLY in counts:
        counts[UnitPeriod.SEMIMONTHLY] += counts.pop(UnitPeriod.BIWEEKLY)
    return counts.most_common(1)[0][0]


def series_day(dates: Sequence[date]) -> int:
    """The day of month a month-based series is due on (31 when every date is a month end)."""
    inside = [d.day for d in dates if d.day != days_in_month(d.year, d.month)]
    return max(inside) if inside else 31
