from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calc.calendar import (
    CalendarError,
    Frequency,
    ShiftRule,
    add_months,
    contractual_due_dates,
    get_calendar,
    is_regular_first_period,
    parse_shift_rule,
    shift_due_date,
)


def test_month_end_rolls_back_to_the_anchor_day():
    assert contractual_due_dates(date(2025, 12, 31), 5) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]


def test_month_end_in_a_leap_year():
    assert contractual_due_dates(date(2027, 12, 31), 3) == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
    ]
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)


def test_first_due_date_sets_the_anchor_and_due_day_overrides_it():
    dates = contractual_due_dates(date(2026, 1, 10), 3, first_due_date=date(2026, 2, 20))
    assert dates == [date(2026, 2, 20), date(2026, 3, 20), date(2026, 4, 20)]
    dates = contractual_due_dates(
        date(2026, 1, 10), 3, first_due_date=date(2026, 2, 28), due_day=31
    )
    assert dates == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert contractual_due_dates(date(2026, 1, 10), 2, due_day=5) == [
        date(2026, 2, 5),
        date(2026, 3, 5),
    ]


def test_weekly_and_biweekly_dates():
    assert contractual_due_dates(date(2026, 1, 1), 3, Frequency.WEEKLY) == [
        date(2026, 1, 8),
        date(2026, 1, 15),
        date(2026, 1, 22),
    ]
    assert contractual_due_dates(date(2026, 1, 1), 2, Frequency.BIWEEKLY) == [
        date(2026, 1, 15),
        date(2026, 1, 29),
    ]


def test_first_due_date_must_follow_the_start():
    with pytest.raises(CalendarError):
        contractual_due_dates(date(2026, 1, 10), 3, first_due_date=date(2026, 1, 10))
    with pytest.raises(CalendarError):
        contractual_due_dates(date(2026, 1, 10), 0)


@pytest.mark.parametrize(
    ("start", "first", "frequency", "regular"),
    [
        (date(2026, 1, 15), date(2026, 2, 15), Frequency.MONTHLY, True),
        (date(2026, 1, 31), date(2026, 2, 28), Frequency.MONTHLY, True),
        (date(2026, 2, 28), date(2026, 3, 31), Frequency.MONTHLY, True),
        (date(2026, 1, 15), date(2026, 2, 20), Frequency.MONTHLY, False),
        (date(2026, 1, 15), date(2026, 2, 5), Frequency.MONTHLY, False),
        (date(2026, 1, 15), date(2026, 1, 22), Frequency.WEEKLY, True),
        (date(2026, 1, 15), date(2026, 1, 22), Frequency.BIWEEKLY, False),
    ],
)
def test_regular_first_period(start, first, frequency, regular):
    assert is_regular_first_period(start, first, frequency) is regular


@given(
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)),
    term=st.integers(min_value=1, max_value=360),
)
def test_monthly_dates_keep_the_start_day_whenever_the_month_has_it(start, term):
    dates = contractual_due_dates(start, term)
    assert all(later > earlier for earlier, later in zip(dates, dates[1:], strict=False))
    for months, day in enumerate(dates, start=1):
        assert (day.year - start.year) * 12 + day.month - start.month == months
        assert day.day == start.day or (day.day < start.day and (day + timedelta(1)).day == 1)


def test_china_national_day_shifts_next_and_previous():
    """2026-10-01 (Thursday) opens the National Day holiday, Oct 1-7; Sep 30 and Oct 8 work."""
    china = get_calendar("CN")
    assert not china.is_business_day(date(2026, 10, 1))
    assert not china.is_business_day(date(2026, 10, 7))
    assert shift_due_date(date(2026, 10, 1), ShiftRule.NEXT_BUSINESS_DAY, china) == date(
        2026, 10, 8
    )
    assert shift_due_date(date(2026, 10, 1), ShiftRule.PREVIOUS_BUSINESS_DAY, china) == date(
        2026, 9, 30
    )
    assert shift_due_date(date(2026, 10, 1), ShiftRule.NONE, china) == date(2026, 10, 1)


def test_china_make_up_working_days_are_business_days():
    """Saturday 2026-10-10 is an official make-up working day (调休) in China: no shift there,
    while a plain weekend calendar moves it to Monday the 12th."""
    china = get_calendar("CN")
    saturday = date(2026, 10, 10)
    assert saturday.weekday() == 5
    assert china.is_business_day(saturday)
    assert shift_due_date(saturday, ShiftRule.NEXT_BUSINESS_DAY, china) == saturday
    weekends = get_calendar("weekends")
    assert shift_due_date(saturday, ShiftRule.NEXT_BUSINESS_DAY, weekends) == date(2026, 10, 12)
    assert not china.is_business_day(date(2026, 10, 11))


def test_previous_business_day_never_lands_on_or_before_the_start():
    china = get_calendar("CN")
    shifted = shift_due_date(
        date(2026, 10, 7),
        ShiftRule.PREVIOUS_BUSINESS_DAY,
        china,
        not_before=date(2026, 9, 30),
    )
    assert shifted == date(2026, 10, 8)


def test_calendars_by_name():
    assert get_calendar(None).is_business_day(date(2026, 10, 1))
    assert get_calendar("none").is_business_day(date(2026, 10, 3))
    assert get_calendar("cn") is get_calendar("cn")
    assert not get_calendar("US").is_business_day(date(2026, 7, 3))  # Independence Day observed
    with pytest.raises(CalendarError):
        get_calendar("QQ")


def test_parse_shift_rule():
    assert parse_shift_rule("next") is ShiftRule.NEXT_BUSINESS_DAY
    assert parse_shift_rule("previous_business_day") is ShiftRule.PREVIOUS_BUSINESS_DAY
    with pytest.raises(CalendarError):
        parse_shift_rule("modified_following")
