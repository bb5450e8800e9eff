"""APR by the IRR method: Regulation Z Appendix J's worked examples, China's IRR disclosure,
edge cases, and an independent bisection to check the solver's precision."""

import decimal
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from calc.apr import (
    AprError,
    UnitPeriod,
    annual_percentage_rate,
    infer_unit_period,
    payment_dates,
    regular_payments,
    unit_periods_between,
)
from calc.quote import quote
from calc.schedules import ScheduleTerms

D = Decimal
TWO_PLACES = D("0.01")


def reference_periodic_rate(advance, flows, high=10):
    """Bisection on A = Σ P / ((1 + f·i)(1 + i)^t) at 60 digits, given each flow's
    ``(amount, f, t)`` by hand — independent of the solver under test."""
    with decimal.localcontext() as context:
        context.prec = 60
        low, high = D("-0.99"), D(high)
        for _ in range(260):
            middle = (low + high) / 2
            value = sum(p / ((1 + f * middle) * (1 + middle) ** t) for p, f, t in flows)
            if value > advance:
                low = middle
            else:
                high = middle
        return +middle


def apr_percent(advance, start, payments, unit=None):
    result = annual_percentage_rate(D(advance), start, payments, unit_period=unit)
    return (result.nominal * 100).quantize(TWO_PLACES)


# --- Regulation Z, Appendix J (c): every worked example, to the published two decimals ------


def test_appendix_j_c1i_monthly_regular_first_period():
    """$5,000 advanced 1978-01-10; 24 payments of $230 monthly from 1978-02-10: 9.69%."""
    payments = regular_payments(D(230), 24, date(1978, 2, 10), "monthly")
    assert apr_percent(5000, date(1978, 1, 10), payments) == D("9.69")


def test_appendix_j_c1ii_monthly_long_first_period():
    """$6,000 on 1978-02-10; 36 × $200 from 1978-04-01. Back from 4-01: one month to 3-01,
    then 19 days to 2-10: t = 1, f = 19/30. APR 11.82%."""
    assert unit_periods_between(date(1978, 2, 10), date(1978, 4, 1), "monthly") == (1, 19, 30)
    payments = regular_payments(D(200), 36, date(1978, 4, 1), "monthly")
    assert apr_percent(6000, date(1978, 2, 10), payments) == D("11.82")


def test_appendix_j_c1iii_semimonthly_short_first_period():
    """$5,000 on 1978-02-23; 24 × $219.17 on the 1st and 16th from 1978-03-01: f = 6/15,
    10.34%."""
    assert unit_periods_between(date(1978, 2, 23), date(1978, 3, 1), "semimonthly") == (0, 6, 15)
    payments = regular_payments(D("219.17"), 24, date(1978, 3, 1), "semimonthly")
    assert payments[1][1] == date(1978, 3, 16)
    assert apr_percent(5000, date(1978, 2, 23), payments) == D("10.34")


def test_appendix_j_c1iv_quarterly_long_first_period():
    """$10,000 on 1978-05-23; 40 × $385 quarterly from 1978-10-01: t = 1, f = 39/90, 8.97%."""
    assert unit_periods_between(date(1978, 5, 23), date(1978, 10, 1), "quarterly") == (1, 39, 90)
    payments = regular_payments(D(385), 40, date(1978, 10, 1), "quarterly")
    assert apr_percent(10000, date(1978, 5, 23), payments) == D("8.97")


def test_appendix_j_c1v_weekly_long_first_period():
    """$500 on 1978-03-20; 30 × $17.60 weekly from 1978-04-21: 32 days, t = 4, f = 4/7,
    14.96%."""
    assert unit_periods_between(date(1978, 3, 20), date(1978, 4, 21), "weekly") == (4, 4, 7)
    payments = regular_payments(D("17.60"), 30, date(1978, 4, 21), "weekly")
    assert apr_percent(500, date(1978, 3, 20), payments) == D("14.96")


def test_appendix_j_c2i_odd_first_payment():
    """$5,000; $250 on 1978-02-10, then 23 × $230 from 1978-03-10: 10.08%."""
    payments = [(D(250), date(1978, 2, 10))]
    payments += regular_payments(D(230), 23, date(1978, 3, 10), "monthly")
    assert apr_percent(5000, date(1978, 1, 10), payments) == D("10.08")


def test_appendix_j_c2ii_every_four_weeks_odd_first_payment():
    """$400 on 1978-03-18; $39.50 on 1978-04-20, then 11 × $38.31 every 4 weeks: 28.50%."""
    payments = [(D("39.50"), date(1978, 4, 20))]
    payments += regular_payments(D("38.31"), 11, date(1978, 5, 18), "four_weekly")
    assert apr_percent(400, date(1978, 3, 18), payments, "four_weekly") == D("28.50")


def test_appendix_j_c3i_odd_final_payment():
    """$5,000; 23 × $230 from 1978-02-10 and a final $280 on 1980-01-10: 10.50%."""
    payments = regular_payments(D(230), 23, date(1978, 2, 10), "monthly")
    payments.append((D(280), date(1980, 1, 10)))
    assert apr_percent(5000, date(1978, 1, 10), payments) == D("10.50")


def test_appendix_j_c3ii_biweekly_short_first_period_odd_final_payment():
    """$200 on 1978-04-03; 19 × $9.50 every 2 weeks from 1978-04-11, then $30: 12.22%."""
    payments = regular_payments(D("9.50"), 19, date(1978, 4, 11), "biweekly")
    payments.append((D(30), date(1978, 4, 11) + timedelta(days=14 * 19)))
    assert apr_percent(200, date(1978, 4, 3), payments, "biweekly") == D("12.22")


def test_appendix_j_c4i_odd_first_and_final_payments():
    """$5,000; $250, then 22 × $230, then $280: 10.90%."""
    payments = [(D(250), date(1978, 2, 10))]
    payments += regular_payments(D(230), 22, date(1978, 3, 10), "monthly")
    payments.append((D(280), date(1980, 1, 10)))
    assert apr_percent(5000, date(1978, 1, 10), payments) == D("10.90")


def test_appendix_j_c4ii_every_two_months():
    """$8,000 on 1978-01-10; $449.36 on 1978-03-01, 18 × $465 every two months from 1978-05-01,
    $200 on 1981-05-01. The first payment is 1 month + 22 days = 52 thirty-day days back:
    f = 52/60 (months count 30 days each, (b)(5)(iii)). 7.30%."""
    assert unit_periods_between(date(1978, 1, 10), date(1978, 3, 1), "bimonthly") == (0, 52, 60)
    payments = [(D("449.36"), date(1978, 3, 1))]
    payments += regular_payments(D(465), 18, date(1978, 5, 1), "bimonthly")
    payments.append((D(200), date(1981, 5, 1)))
    assert apr_percent(8000, date(1978, 1, 10), payments, "bimonthly") == D("7.30")


def test_appendix_j_c5i_single_advance_single_payment():
    """$1,000 on 1978-01-03, $1,080 on 1978-09-15 (255 days): the unit-period is the term,
    i = 0.08, APR = 0.08 × 365 / 255 = 11.45%."""
    result = annual_percentage_rate(D(1000), date(1978, 1, 3), [(D(1080), date(1978, 9, 15))])
    assert result.unit_period is UnitPeriod.TERM
    assert (result.nominal * 100).quantize(TWO_PLACES) == D("11.45")


def test_five_thousand_over_36_months_is_twelve_percent():
    """$5,000 repaid by 36 monthly payments of $166.07: 12.00% (11.9994% unrounded)."""
    payments = regular_payments(D("166.07"), 36, date(2026, 2, 15), "monthly")
    assert apr_percent(5000, date(2026, 1, 15), payments) == D("12.00")


# --- loans priced here ------------------------------------------------------------------------


def monthly_terms(**options):
    values = {
        "principal": D("12000.00"),
        "annual_rate": D("0.18"),
        "term": 12,
        "start_date": date(2026, 1, 15),
    }
    values.update(options)
    return ScheduleTerms(**values)


def test_zero_fee_equal_installment_apr_is_the_nominal_rate():
    """Without fees the APR is the contract rate; the only difference is the payment's
    rounding to cents (1,100.16 instead of 1,100.1597…), under 0.001 percentage points."""
    result = quote(monthly_terms()).apr
    assert abs(result.nominal - D("0.18")) < D("0.00001")
    mortgage = quote(monthly_terms(principal=D("630000.00"), annual_rate=D("0.049"), term=360)).apr
    assert abs(mortgage.nominal - D("0.049")) < D("0.00001")
    effective = (1 + D("0.049") / 12) ** 12 - 1
    assert abs(mortgage.effective - effective) < D("0.00001")


def test_upfront_fee_raises_the_apr_above_the_rate():
    """10,000 at 12% for 12 months (888.49 a month) with 200.00 withheld: the borrower gets
    9,800.00, and the APR is 15.85% (effective 17.06%)."""
    result = quote(
        monthly_terms(principal=D("10000.00"), annual_rate=D("0.12"), upfront_fee=D("200.00"))
    )
    assert result.schedule.level_amount == D("888.49")
    assert result.schedule.installments[-1].total == D("888.47")
    flows = [(D("888.49"), D(0), t) for t in range(1, 12)] + [(D("888.47"), D(0), 12)]
    expected = reference_periodic_rate(D("9800.00"), flows)
    assert abs(result.apr.periodic - expected) < D("1e-11")
    assert (result.apr.nominal * 100).quantize(TWO_PLACES) == D("15.85")
    assert (result.apr.effective * 100).quantize(TWO_PLACES) == D("17.06")


def test_per_period_fee_plan_apr_is_far_above_the_fee_rate():
    """分期手续费: 12,000 as 1,000 a month plus a 0.6% monthly fee (a "7.2% a year" plan) has an
    APR by IRR of 13.03%, effective 13.84% (GOLDEN.md)."""
    result = quote(monthly_terms(annual_rate=D(0), method="flat_fee", fee_rate=D("0.006"))).apr
    assert result.nominal_percent(2) == D("13.03")
    assert result.effective_percent(2) == D("13.84")
    expected = reference_periodic_rate(D(12000), [(D(1072), D(0), t) for t in range(1, 13)])
    assert abs(result.periodic - expected) < D("1e-11")


@pytest.mark.parametrize(
    ("first_due", "fraction", "whole"),
    [
        (date(2026, 2, 5), D(21) / 30, 0),  # short: 21 days, no whole month
        (date(2026, 3, 1), D(17) / 30, 1),  # long: one month back to 02-01, then 17 days
    ],
)
def test_odd_first_period_counts_whole_months_and_thirtieths(first_due, fraction, whole):
    result = quote(monthly_terms(first_due_date=first_due))
    rows = result.schedule.installments
    flows = [(rows[0].total, fraction, whole)]
    flows += [(row.total, fraction, whole + k) for k, row in enumerate(rows[1:], start=1)]
    expected = reference_periodic_rate(D(12000), flows)
    assert abs(result.apr.periodic - expected) < D("1e-11")


def test_fees_push_the_apr_past_one_hundred_percent():
    """1,000 lent, 400 withheld, 12 × 100 repaid: 152.34% nominal, 319.61% effective."""
    payments = regular_payments(D(100), 12, date(2026, 2, 15), "monthly")
    result = annual_percentage_rate(D(1000), date(2026, 1, 15), payments, fee=D(400))
    assert result.nominal > 1
    assert result.nominal_percent(2) == D("152.34")
    expected = reference_periodic_rate(D(600), [(D(100), D(0), t) for t in range(1, 13)])
    assert abs(result.periodic - expected) < D("1e-11")


def test_extreme_fee_still_converges():
    payments = regular_payments(D(100), 360, date(2026, 2, 15), "monthly")
    result = annual_percentage_rate(D(1000), date(2026, 1, 15), payments, fee=D("999.00"))
    flows = [(D(100), D(0), t) for t in range(1, 361)]
    expected = reference_periodic_rate(D(1), flows, high=1000)
    assert abs(result.periodic - expected) < D("1e-9")
    assert result.nominal > 1000


def test_360_payments():
    payments = regular_payments(D("3343.58"), 359, date(2026, 2, 15), "monthly")
    payments.append((D("3342.27"), date(2056, 1, 15)))
    result = annual_percentage_rate(D(630000), date(2026, 1, 15), payments)
    flows = [(D("3343.58"), D(0), t) for t in range(1, 360)] + [(D("3342.27"), D(0), 360)]
    expected = reference_periodic_rate(D(630000), flows)
    assert abs(result.periodic - expected) < D("1e-11")
    assert abs(result.nominal - D("0.049")) < D("0.00001")


def test_payments_below_the_advance_give_a_negative_rate():
    payments = regular_payments(D(80), 12, date(2026, 2, 15), "monthly")
    result = annual_percentage_rate(D(1000), date(2026, 1, 15), payments)
    assert result.nominal < 0
    expected = reference_periodic_rate(D(1000), [(D(80), D(0), t) for t in range(1, 13)])
    assert abs(result.periodic - expected) < D("1e-11")


def test_weekly_and_biweekly_schedules():
    for frequency, term, per_year in (("weekly", 52, 52), ("biweekly", 26, 26)):
        result = quote(monthly_terms(frequency=frequency, term=term)).apr
        assert result.periods_per_year == per_year
        # 18% a year on ACT/360 is 0.18 × 7 / 360 a week: 18.2% nominal over 52 weeks
        assert abs(result.nominal - D("0.18") * 364 / 360) < D("0.0001")


def test_irregular_payments_as_amount_date_pairs():
    """A different first and last payment, given as (amount, date): the unit-period is
    inferred from the most common interval (monthly)."""
    payments = [(D("150.00"), date(2026, 2, 20))]
    payments += regular_payments(D("100.00"), 10, date(2026, 3, 20), "monthly")
    payments.append((D("60.00"), date(2027, 1, 20)))
    result = annual_percentage_rate(D(1100), date(2026, 1, 15), payments)
    assert result.unit_period is UnitPeriod.MONTHLY
    # 02-20 is one month and 5 days after 01-15: t = 1, f = 5/30 for every payment
    assert unit_periods_between(date(2026, 1, 15), date(2026, 2, 20), "monthly") == (1, 5, 30)
    flows = [(D(150), D(5) / 30, 1)]
    flows += [(D(100), D(5) / 30, t) for t in range(2, 12)]
    flows.append((D(60), D(5) / 30, 12))
    assert abs(result.periodic - reference_periodic_rate(D(1100), flows)) < D("1e-11")


def test_month_end_series_count_back_month_end_to_month_end():
    """Payments on the last day of each month: 02-28 counts back to 01-31, not 01-28."""
    payments = regular_payments(D(100), 3, date(2026, 1, 31), "monthly")
    assert [day for _, day in payments] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    result = annual_percentage_rate(D(290), date(2025, 12, 31), payments)
    expected = reference_periodic_rate(D(290), [(D(100), D(0), t) for t in (1, 2, 3)])
    assert abs(result.periodic - expected) < D("1e-11")


@pytest.mark.parametrize(
    ("advance", "payments", "fee", "message"),
    [
        (D(0), [(D(100), date(2026, 2, 1))], D(0), "advance must be positive"),
        (D(100), [(D(100), date(2026, 2, 1))], D(100), "leaves nothing"),
        (D(100), [], D(0), "no payments"),
        (D(100), [(D(0), date(2026, 2, 1))], D(0), "total nothing"),
        (D(100), [(D(-10), date(2026, 2, 1))], D(0), "negative"),
        (D(100), [(D(110), date(2025, 12, 1))], D(0), "before the advance"),
        (D(100), [(D(60), date(2026, 1, 1)), (D(60), date(2026, 1, 1))], D(0), "advance date"),
        (D(100), [(D(110), date(2026, 1, 1)), (D(10), date(2026, 1, 8))], D(0), "alone repay"),
        (D(100), [(D(10), date(2026, 1, 1))], D(0), "advance date"),
        (D(100), [(D(10), date(2026, 1, 1)), (D(10), date(2026, 1, 11))], D(0), "unit-period"),
    ],
)
def test_no_rate_is_a_clear_error(advance, payments, fee, message):
    with pytest.raises(AprError, match=message):
        annual_percentage_rate(advance, date(2026, 1, 1), payments, fee=fee)


def test_no_rate_above_minus_100_percent():
    """Two payments of 10 two days in, with a weekly unit-period (t = 0, f = 2/7): even at a
    rate near −100% they are worth at most 20 / (1 − 2/7) = 28 < 100 advanced."""
    payments = [(D(10), date(2026, 1, 3)), (D(10), date(2026, 1, 3))]
    with pytest.raises(AprError, match="-100%"):
        annual_percentage_rate(D(100), date(2026, 1, 1), payments, unit_period="weekly")


def test_unit_period_inference_and_payment_dates():
    assert infer_unit_period(payment_dates(date(2026, 1, 1), 6, "weekly")) is UnitPeriod.WEEKLY
    assert infer_unit_period(payment_dates(date(2026, 1, 1), 6, "biweekly")) is (
        UnitPeriod.BIWEEKLY
    )
    assert infer_unit_period(payment_dates(date(2026, 1, 1), 6, "semimonthly")) is (
        UnitPeriod.SEMIMONTHLY
    )
    assert infer_unit_period(payment_dates(date(2026, 1, 31), 6, "monthly")) is (UnitPeriod.MONTHLY)
    assert infer_unit_period(payment_dates(date(2026, 1, 1), 6, "quarterly")) is (
        UnitPeriod.QUARTERLY
    )
    assert payment_dates(date(2026, 1, 20), 3, "semimonthly") == [
        date(2026, 1, 20),
        date(2026, 2, 5),
        date(2026, 2, 20),
    ]
    with pytest.raises(AprError):
        annual_percentage_rate(
            D(100), date(2026, 1, 1), [(D(60), date(2026, 2, 1))] * 2, unit_period="fortnightly"
        )


def test_result_as_dict_and_percentages():
    result = quote(monthly_terms()).apr
    data = result.as_dict()
    assert data["method"] == "us_reg_z"
    assert data["disclosed_percent"] == D("18.00")
    assert data["unit_period"] == "monthly"
    assert isinstance(data["nominal"], Decimal)
    assert result.nominal_percent() == D("18.0004")


@settings(max_examples=40, deadline=None)
@given(
    principal_cents=st.integers(min_value=100_000, max_value=100_000_000),
    rate_bp=st.integers(min_value=0, max_value=3600),
    term=st.sampled_from([1, 2, 3, 6, 12, 24, 36, 60, 120, 360]),
    fee_bp=st.integers(min_value=0, max_value=2000),
    odd_days=st.one_of(st.none(), st.integers(min_value=1, max_value=60)),
)
@example(principal_cents=100_000, rate_bp=327, term=2, fee_bp=1, odd_days=45)
def test_apr_solves_the_general_equation(principal_cents, rate_bp, term, fee_bp, odd_days):
    start = date(2026, 1, 15)
    terms = ScheduleTerms(
        principal=D(principal_cents) / 100,
        annual_rate=D(rate_bp) / 10000,
        term=term,
        start_date=start,
        first_due_date=None if odd_days is None else start + timedelta(days=odd_days),
        upfront_fee_rate=D(fee_bp) / 10000,
    )
    result = quote(terms)
    schedule = result.schedule
    if len(schedule.installments) == 1:
        (row,) = schedule.installments
        simple = row.total / schedule.net_disbursement - 1
        assert abs(result.apr.periodic - simple) < D("1e-12")
        return
    # The series is due on the first due date's day; a short month's last day stands for it
    # (Appendix J (b)(3)(iv)): 02-28 in a series due on the 29th counts back to 01-29.
    series_day = schedule.installments[0].due_date.day
    flows = []
    for amount, day in schedule.cash_flows():
        clamped = (day + timedelta(days=1)).day == 1 and day.day < series_day
        counted = series_day if clamped else None
        whole, numerator, denominator = unit_periods_between(start, day, "monthly", counted)
        flows.append((amount, D(numerator) / denominator, whole))
    periodic = result.apr.periodic
    with decimal.localcontext() as context:
        context.prec = 40
        value = sum(p / ((1 + f * periodic) * (1 + periodic) ** t) for p, f, t in flows)
    assert abs(value - schedule.net_disbursement) < schedule.net_disbursement * D("1e-10")
    if fee_bp and len(flows) > 1:
        # A fee costs the borrower: the APR is above the same loan's without it. (Not above the
        # note rate less a margin: interest charged by the day on a long odd first period that
        # spans February counts, in Reg Z's unit periods, over more of a month than it paid for,
        # e.g. 1,000.00 at 3.27% over 2 months from 01-15, first due 03-01: 3.16% with no fee.)
        unfeed = quote(replace(terms, upfront_fee_rate=D(0))).apr
        assert result.apr.nominal > unfeed.nominal


def test_a_short_months_last_day_stands_for_the_series_day():
    """Due on the 29th from 2026-01-29: 02-28 counts back one month to 01-29 (not 01-28), so
    every payment keeps the first one's 14 odd days: f = 14/30."""
    payments = [(D(510), date(2026, 1, 29)), (D(510), date(2026, 2, 28))]
    result = annual_percentage_rate(D(1000), date(2026, 1, 15), payments, unit_period="monthly")
    fraction = D(14) / 30
    expected = reference_periodic_rate(D(1000), [(D(510), fraction, 0), (D(510), fraction, 1)])
    assert abs(result.periodic - expected) < D("1e-11")
    assert unit_periods_between(date(2026, 1, 15), date(2026, 2, 28), "monthly", 29) == (1, 14, 30)
