from datetime import date
from decimal import Decimal

import pytest

from calc.accrual import accrued_interest
from calc.daycount import DayCount, DayCountError, interest_for_days, parse_day_count
from calc.money import Rounding


@pytest.mark.parametrize(
    ("day_count", "start", "end", "days"),
    [
        (DayCount.ACT_360, date(2026, 1, 1), date(2026, 2, 1), 31),
        (DayCount.ACT_365F, date(2028, 1, 1), date(2029, 1, 1), 366),
        # 30/360 bond basis: D1 = 31 -> 30; D2 = 31 -> 30 only when D1 is 30 or 31.
        (DayCount.THIRTY_360, date(2026, 1, 31), date(2026, 2, 28), 28),
        (DayCount.THIRTY_360, date(2026, 1, 30), date(2026, 3, 31), 60),
        (DayCount.THIRTY_360, date(2026, 1, 15), date(2026, 3, 31), 76),
        (DayCount.THIRTY_360, date(2026, 2, 28), date(2026, 3, 31), 33),
        (DayCount.THIRTY_360, date(2026, 1, 15), date(2027, 1, 15), 360),
        # 30E/360: every 31st is the 30th.
        (DayCount.THIRTY_E_360, date(2026, 1, 15), date(2026, 3, 31), 75),
        (DayCount.THIRTY_E_360, date(2026, 2, 28), date(2026, 3, 31), 32),
    ],
)
def test_day_counts(day_count, start, end, days):
    assert day_count.days(start, end) == days


def test_bases():
    assert DayCount.ACT_360.basis == 360
    assert DayCount.ACT_365F.basis == 365
    assert DayCount.THIRTY_360.basis == 360


def test_year_fraction_of_a_leap_year_under_act_365f_exceeds_one():
    fraction = DayCount.ACT_365F.year_fraction(date(2028, 1, 1), date(2029, 1, 1))
    assert fraction == Decimal(366) / 365


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ACT/360", DayCount.ACT_360),
        ("act/365f", DayCount.ACT_365F),
        ("Actual/365", DayCount.ACT_365F),
        ("30/360", DayCount.THIRTY_360),
        ("30E/360", DayCount.THIRTY_E_360),
    ],
)
def test_parse_day_count(text, expected):
    assert parse_day_count(text) is expected


def test_unknown_day_count_and_backwards_periods_fail():
    with pytest.raises(DayCountError, match="act/360"):
        parse_day_count("act/act")
    with pytest.raises(DayCountError):
        DayCount.ACT_360.days(date(2026, 2, 1), date(2026, 1, 1))


def test_accrued_interest_between_two_dates():
    """10,000 at 18% for the 30 days Jan 1 -> Jan 31 under ACT/360: 10,000 x 0.18 x 30 / 360
    = 150.00; under ACT/365F 147.945... -> 147.95."""
    cent = Rounding()
    principal, rate = Decimal("10000.00"), Decimal("0.18")
    start, end = date(2026, 1, 1), date(2026, 1, 31)
    assert accrued_interest(principal, rate, start, end, "act/360", cent) == Decimal("150.00")
    assert accrued_interest(principal, rate, start, end, "act/365f", cent) == Decimal("147.95")
    assert accrued_interest(principal, rate, start, start) == 0
    unrounded = accrued_interest(principal, rate, start, end, DayCount.ACT_365F)
    expected = interest_for_days(principal, rate, 30, DayCount.ACT_365F)
    assert unrounded.quantize(Decimal("1e-20")) == expected.quantize(Decimal("1e-20"))
