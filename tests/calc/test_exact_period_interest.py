"""A period's interest is balance × rate × days / basis with one division, last.

Dividing the rate first (0.049 / 12 = 0.0040833…, cut at the context's precision) lands a hair
below exact amounts on large balances: 240,000 × 4.9% / 12 is exactly 980.00, but came out as
979.99 rounding down; 241,500 × 4.9% / 12 is exactly 986.125, which rounds half-up to 986.13
but came out as 986.12.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from calc.schedules import Method, ScheduleTerms, build_schedule

START = date(2026, 1, 15)


def first_interest(principal: str, rounding: str, method=Method.INTEREST_ONLY, **options) -> D:
    terms = ScheduleTerms(
        principal=D(principal),
        annual_rate=D("0.049"),
        term=options.pop("term", 2),
        start_date=START,
        method=method,
        rounding=rounding,
        **options,
    )
    return build_schedule(terms).installments[0].interest


@pytest.mark.parametrize("rounding", ["down", "half_up", "half_even", "floor"])
def test_an_exact_cent_amount_is_not_rounded_down_by_a_truncated_rate(rounding):
    assert first_interest("240000.00", rounding) == D("980.00")


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [("half_up", "986.13"), ("half_even", "986.12"), ("half_down", "986.12"), ("up", "986.13")],
)
def test_a_half_cent_tie_rounds_by_the_mode(rounding, expected):
    assert first_interest("241500.00", rounding) == D(expected)


def test_equal_installment_and_equal_principal_rows_use_the_exact_interest():
    assert first_interest("240000.00", "down", Method.EQUAL_PRINCIPAL) == D("980.00")
    assert first_interest("240000.00", "down", Method.EQUAL_INSTALLMENT) == D("980.00")


def test_an_odd_first_period_is_exact():
    # 365,000 × 4.9% × 23 days / 365 = 1,127.00 exactly
    interest = first_interest(
        "365000.00",
        "down",
        first_due_date=date(2026, 2, 7),
        day_count="act/365f",
        term=3,
    )
    assert interest == D("1127.00")


def test_a_bullet_sums_mixed_period_rates_over_one_denominator():
    # An odd 23-day ACT/365F period and two regular months on 365,000 at 4.9%:
    # 1,127.00 + 2 × 1,490.4166… = 4,107.8333… → 4,107.83 down
    interest = first_interest(
        "365000.00",
        "down",
        Method.BULLET,
        first_due_date=date(2026, 2, 7),
        day_count="act/365f",
        term=3,
    )
    assert interest == D("4107.83")
