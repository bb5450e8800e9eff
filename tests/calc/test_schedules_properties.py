"""Exactness properties of every amortization method, for any terms hypothesis can find."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from calc.calendar import Frequency
from calc.daycount import DayCount
from calc.money import ROUNDING_MODES
from calc.schedules import Method, Schedule, ScheduleTerms, build_schedule

CENT = Decimal("0.01")
YEN = Decimal("1")


@st.composite
def loan_terms(draw, method=None):
    method = draw(st.sampled_from(list(Method))) if method is None else method
    minor_unit = draw(st.sampled_from([CENT, YEN]))
    smallest = 100_00 if minor_unit == CENT else 1_000
    amount = draw(st.integers(min_value=smallest, max_value=10**9))
    principal = Decimal(amount) * minor_unit
    if method is Method.FLAT_FEE:
        rate = Decimal(0)
    else:
        rate = Decimal(draw(st.integers(min_value=0, max_value=3600))) / 10000
    frequency = draw(st.sampled_from(list(Frequency)))
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2045, 12, 31)))
    odd_days = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=70)))
    first_due = None if odd_days is None else start + timedelta(days=odd_days)
    return ScheduleTerms(
        principal=principal,
        annual_rate=rate,
        term=draw(st.integers(min_value=1, max_value=360)),
        start_date=start,
        method=method,
        frequency=frequency,
        first_due_date=first_due,
        day_count=draw(st.sampled_from(list(DayCount))),
        rounding=draw(st.sampled_from(sorted(ROUNDING_MODES))),
        minor_unit=minor_unit,
        fee_rate=Decimal(draw(st.integers(min_value=0, max_value=150))) / 10000,
        upfront_fee_rate=Decimal(draw(st.integers(min_value=0, max_value=500))) / 10000,
    )


def assert_exact(schedule: Schedule) -> None:
    terms = schedule.terms
    unit = terms.minor_unit
    rows = schedule.installments
    # principal sums exactly to the loan amount and the balance reaches exactly zero
    assert sum(row.principal for row in rows) == terms.principal
    assert rows[-1].remaining_principal == 0
    balance = terms.principal
    previous_due = terms.start_date
    for row in rows:
        amounts = (row.principal, row.interest, row.fee, row.total, row.remaining_principal)
        # no amount is negative, and every amount is quantized to the minor unit
        assert all(amount >= 0 for amount in amounts)
        assert all(amount == amount.quantize(unit) for amount in amounts)
        assert all(amount.as_tuple().exponent == unit.as_tuple().exponent for amount in amounts)
        assert row.total == row.principal + row.interest + row.fee
        balance -= row.principal
        assert row.remaining_principal == balance
        assert row.due_date > previous_due
        assert row.days_in_period == (row.contractual_due_date - row.period_start).days
        previous_due = row.due_date
    totals = schedule.totals
    assert totals.total == totals.principal + totals.interest + totals.fee
    assert schedule.net_disbursement == terms.principal - totals.upfront_fee
    assert totals.upfront_fee >= 0 and schedule.net_disbursement > 0


@settings(max_examples=150, deadline=None)
@given(loan_terms(Method.EQUAL_INSTALLMENT))
def test_equal_installment_is_exact_and_level(terms):
    schedule = build_schedule(terms)
    assert_exact(schedule)
    rows = schedule.installments
    assert len(rows) == terms.term
    # the same total payment every period except the last (and an odd first period's interest)
    level = schedule.level_amount
    for row in rows[1:-1]:
        assert row.principal + row.interest == level
    first = rows[0]
    odd_first = first.interest != terms.rounder(terms.principal * terms.periodic_rate)
    if len(rows) > 1 and not odd_first:
        assert first.principal + first.interest == level
    assert len({row.fee for row in rows}) == 1


@settings(max_examples=100, deadline=None)
@given(loan_terms(Method.EQUAL_PRINCIPAL))
def test_equal_principal_is_exact_with_level_principal(terms):
    schedule = build_schedule(terms)
    assert_exact(schedule)
    rows = schedule.installments
    assert len(rows) == terms.term
    assert {row.principal for row in rows[:-1]} <= {schedule.level_amount}
    # interest follows the falling balance: never more than the period before, after the first
    for earlier, later in zip(rows[1:], rows[2:], strict=False):
        assert later.interest <= earlier.interest


@settings(max_examples=100, deadline=None)
@given(loan_terms(Method.INTEREST_ONLY))
def test_interest_only_is_exact(terms):
    schedule = build_schedule(terms)
    assert_exact(schedule)
    rows = schedule.installments
    assert all(row.principal == 0 for row in rows[:-1])
    assert rows[-1].principal == terms.principal
    assert len({row.interest for row in rows[1:]}) <= 1


@settings(max_examples=100, deadline=None)
@given(loan_terms(Method.BULLET))
def test_bullet_is_one_exact_payment(terms):
    schedule = build_schedule(terms)
    assert_exact(schedule)
    (row,) = schedule.installments
    assert row.principal == terms.principal
    assert row.period_start == terms.start_date


@settings(max_examples=100, deadline=None)
@given(loan_terms(Method.FLAT_FEE))
def test_flat_fee_is_exact_with_no_interest(terms):
    schedule = build_schedule(terms)
    assert_exact(schedule)
    rows = schedule.installments
    assert all(row.interest == 0 for row in rows)
    assert len({row.fee for row in rows}) == 1
    assert rows[0].fee == terms.rounder(terms.principal * terms.fee_rate)
    assert {row.principal for row in rows[:-1]} <= {schedule.level_amount}


@settings(max_examples=100, deadline=None)
@given(loan_terms())
def test_interest_only_and_bullet_charge_the_same_interest(terms):
    """A bullet earns the simple interest of its periods: what interest-only pays in total,
    up to one minor unit of rounding per period."""
    if terms.method is Method.FLAT_FEE:
        return
    bullet = build_schedule(ScheduleTerms(**{**terms.as_dict(), "method": Method.BULLET}))
    interest_only = build_schedule(
        ScheduleTerms(**{**terms.as_dict(), "method": Method.INTEREST_ONLY})
    )
    difference = abs(bullet.totals.interest - interest_only.totals.interest)
    assert difference <= terms.minor_unit * terms.term
