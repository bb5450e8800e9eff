from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from calc.accrual import accrued_through, daily_accruals
from calc.money import Rounding

D = Decimal
CENT = Rounding()


def test_daily_accruals_carry_the_sub_cent_remainder():
    """10.00 over a 3-day period: 3.33, 3.34, 3.33 (cumulative 3.33, 6.67, 10.00)."""
    accruals = daily_accruals(D("10.00"), date(2026, 1, 1), date(2026, 1, 4), CENT)
    assert accruals == [
        (date(2026, 1, 2), D("3.33")),
        (date(2026, 1, 3), D("3.34")),
        (date(2026, 1, 4), D("3.33")),
    ]


def test_accrued_through_a_date():
    start, end = date(2026, 1, 15), date(2026, 2, 15)
    assert accrued_through(D("31.00"), start, end, date(2026, 1, 10), CENT) == 0
    assert accrued_through(D("31.00"), start, end, date(2026, 1, 25), CENT) == D("10.00")
    assert accrued_through(D("31.00"), start, end, date(2026, 3, 1), CENT) == D("31.00")


@settings(max_examples=100, deadline=None)
@given(
    interest_cents=st.integers(min_value=0, max_value=10**8),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)),
    days=st.integers(min_value=1, max_value=400),
    mode=st.sampled_from(["half_up", "half_even", "down", "up"]),
)
def test_daily_accruals_sum_exactly_to_the_period_interest(interest_cents, start, days, mode):
    interest = D(interest_cents) / 100
    rounding = Rounding(mode)
    accruals = daily_accruals(interest, start, start + timedelta(days=days), rounding)
    assert len(accruals) == days
    assert sum(amount for _, amount in accruals) == interest
    assert all(amount >= 0 and rounding.is_quantized(amount) for _, amount in accruals)
