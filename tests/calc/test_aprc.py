"""The EU/UK APRC (Directive 2008/48/EC Annex I; FCA CONC App 1), the APR methods as jurisdiction
data, and ``apr_by_method``.

Published worked examples: Directive 98/7/EC (amending 87/102/EEC), Annex III "Examples of
calculation", part A (calendar basis, 1 year = 365 days or 366 in leap years), examples 1-3; the
same remarks (c) and (d) carried into Directive 2008/48/EC Annex I. Other cases are derived by
hand from Annex I's equation, each docstring showing the derivation.
"""

import decimal
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.apr import (
    AprError,
    AprMethod,
    annual_percentage_rate,
    annual_percentage_rate_of_charge,
    apr_by_method,
    regular_payments,
    year_fraction,
)
from calc.jurisdictions import JurisdictionError, apr_method_for, jurisdiction_get
from calc.rate_caps import RateCapError, capped_check, jurisdictions, rate_cap

D = Decimal


def present_value(rate: Decimal, start: date, flows, unit=None) -> Decimal:
    """Σ D·(1 + X)^−t by Annex I, t from ``year_fraction``, at 40 digits."""
    dates = [day for _, day in flows]
    nominal_day = max(day.day for day in dates) if len(flows) > 1 else None
    with decimal.localcontext() as context:
        context.prec = 40
        log = (1 + rate).ln()
        total = Decimal(0)
        for amount, day in flows:
            whole, per_year, days, year_days = year_fraction(start, day, unit, nominal_day)
            t = Decimal(whole) / per_year + Decimal(days) / year_days
            total += amount * (-log * t).exp()
        return total


def test_ec_example_1_single_payment_after_546_days():
    """98/7/EC Annex III A, first example: 1 000 lent on 1 January 1994, 1 200 repaid on 1 July
    1995, "1 ½ years or 546 (= 365 + 181) days": 1 000 = 1 200 (1 + X)^−(546/365), so
    X = 1.2^(365/546) − 1 = e^(0.668498 × 0.182322) − 1 = 0.129620…, published as 13 % ("or
    12,96 % if an accuracy of two decimal places is preferred").

    Counting back: one whole year to 1 July 1994, then 181 days over the 365 of the year before
    it, so t = 1 + 181/365 = 546/365."""
    assert year_fraction(date(1994, 1, 1), date(1995, 7, 1)) == (1, 1, 181, 365)
    result = apr_by_method("eu_aprc", D(1000), date(1994, 1, 1), [(D(1200), date(1995, 7, 1))])
    assert result.method == "eu_aprc"
    assert result.nominal_percent(2) == D("12.96")
    assert result.disclosed == D("13.0")
    assert result.nominal == result.effective


def test_ec_example_2_fee_withheld():
    """98/7/EC Annex III A, second example: of the 1 000 lent the creditor retains 50, so the
    consumer receives 950 and repays 1 200 on 1 July 1995: X = (1200/950)^(365/546) − 1 =
    e^(0.668498 × 0.233615) − 1 = 0.169026…, published as 16,9 %."""
    result = apr_by_method(
        "eu_aprc", D(1000), date(1994, 1, 1), [(D(1200), date(1995, 7, 1))], fee=D(50)
    )
    assert result.disclosed == D("16.9")
    assert abs(result.nominal - D("0.169026")) < D("0.000001")


def test_ec_example_3_two_annual_payments():
    """98/7/EC Annex III A, third example: 1 000 on 1 January 1994 repaid by 600 after one year
    and 600 after two: 1000 = 600/(1+X) + 600/(1+X)², so with v = 1/(1+X), 6v² + 6v − 10 = 0,
    v = (−6 + √(36 + 240))/12 = 0.884433…, X = 0.1306623, published as 13,1 % ("or 13,07 %")."""
    flows = [(D(600), date(1995, 1, 1)), (D(600), date(1996, 1, 1))]
    for method in ("eu_aprc", "uk_aprc"):
        result = apr_by_method(method, D(1000), date(1994, 1, 1), flows)
        assert result.method == method
        assert result.nominal.quantize(D("1e-7")) == D("0.1306624")  # 0.13066238…
        assert result.disclosed == D("13.1")
        assert result.nominal_percent(2) == D("13.07")


def test_a_leap_year_counts_366_days():
    """1 000 on 1 December 2027, 1 100 on 1 June 2028: no whole year; the 183 days (31 + 31 +
    29 + 31 + 30 + 31) are over the 366 days of the year counted back from 1 June 2028, which
    holds 29 February 2028: t = 183/366 = ½ exactly, so X = 1.1² − 1 = 0.21 exactly."""
    assert year_fraction(date(2027, 12, 1), date(2028, 6, 1)) == (0, 1, 183, 366)
    result = apr_by_method("eu_aprc", D(1000), date(2027, 12, 1), [(D(1100), date(2028, 6, 1))])
    assert result.nominal == D("0.210000000000")
    assert result.disclosed == D("21.0")


def test_odd_days_compound_where_regulation_z_adds_simple_interest():
    """1 000 on 1 January 2026, 1 050 on 1 April 2026 (90 days, three whole months).

    Annex I: t = 90/365 (no whole year; the year back from 1 April 2026 has 365 days), so
    X = 1.05^(365/90) − 1 = e^(4.055556 × 0.0487902) = e^0.197871 − 1 = 0.218805…: 21.9 %.
    Appendix J: the unit-period is the three-month term, 4 a year, so the APR is the simple
    0.05 × 4 = 20.00 %."""
    flows = [(D(1050), date(2026, 4, 1))]
    aprc = apr_by_method("eu_aprc", D(1000), date(2026, 1, 1), flows)
    reg_z = apr_by_method("us_reg_z", D(1000), date(2026, 1, 1), flows)
    assert reg_z.nominal == D("0.200000000000")
    assert abs(aprc.nominal - D("0.218805")) < D("0.000001")
    assert aprc.disclosed == D("21.9")


def test_a_monthly_series_counts_whole_months_back_then_days():
    """Drawdown on 20 January 2026, payments on the 1st from March: from 1 March, one whole
    month back reaches 1 February (two would pass the drawdown), leaving the 12 days from
    20 January over the 365 days of the year back from 1 February 2026: t = 1/12 + 12/365.
    Every later payment reaches the same 1 February: t_k = k/12 + 12/365."""
    start = date(2026, 1, 20)
    assert year_fraction(start, date(2026, 3, 1), "monthly", 1) == (1, 12, 12, 365)
    assert year_fraction(start, date(2026, 8, 1), "monthly", 1) == (6, 12, 12, 365)
    # month ends count to month ends: 31 January to 28 February is one whole month
    assert year_fraction(date(2026, 1, 31), date(2026, 2, 28), "monthly", 31) == (1, 12, 0, 365)
    # weeks: 10 days is one week and 3 days
    assert year_fraction(date(2026, 1, 1), date(2026, 1, 11), "weekly") == (1, 52, 3, 365)


def test_odd_first_period_differs_from_appendix_j():
    """A 12-month loan of 12 000 (1 100 a month) drawn on 20 January with the first payment on
    1 March: the APRC solves its own equation, and differs from Appendix J's (whose odd 12 days
    are simple interest on a 30-day month) — the issue's 'fourth decimal'."""
    start = date(2026, 1, 20)
    flows = regular_payments(D("1100.00"), 12, date(2026, 3, 1), "monthly")
    aprc = apr_by_method("eu_aprc", D("12000.00"), start, flows, unit_period="monthly")
    reg_z = apr_by_method("us_reg_z", D("12000.00"), start, flows, unit_period="monthly")
    assert present_value(aprc.nominal - D("1e-11"), start, flows, "monthly") > D(12000)
    assert present_value(aprc.nominal + D("1e-11"), start, flows, "monthly") < D(12000)
    assert abs(aprc.nominal - reg_z.effective) > D("0.0001")


@settings(max_examples=30, deadline=None)
@given(
    principal_cents=st.integers(min_value=10_000, max_value=50_000_000),
    rate_bp=st.integers(min_value=0, max_value=4000),
    term=st.integers(min_value=1, max_value=60),
    odd_days=st.integers(min_value=0, max_value=40),
    fee_bp=st.integers(min_value=0, max_value=500),
    method=st.sampled_from(["eu_aprc", "uk_aprc"]),
)
def test_aprc_solves_its_own_equation(principal_cents, rate_bp, term, odd_days, fee_bp, method):
    """For level monthly schedules with an odd first period and a withheld fee: the root lies
    within 1e-11 of the APRC returned (the equation changes sign across it), and the figure
    disclosed is that APRC half-up to one decimal place (Annex I remark (d))."""
    principal = D(principal_cents) / 100
    rate = D(rate_bp) / 10000
    start = date(2026, 1, 15)
    first = date(2026, 2, 15) + timedelta(days=odd_days)
    payment = (principal * (1 + rate / 12) / term + principal * rate / 12).quantize(D("0.01"))
    flows = regular_payments(payment, term, first, "monthly")
    fee = (principal * fee_bp / 10000).quantize(D("0.01"))
    result = apr_by_method(method, principal, start, flows, unit_period="monthly", fee=fee)
    received = principal - fee
    assert present_value(result.nominal - D("1e-11"), start, flows, "monthly") > received
    assert present_value(result.nominal + D("1e-11"), start, flows, "monthly") < received
    assert result.disclosed == (result.nominal * 100).quantize(D("0.1"), decimal.ROUND_HALF_UP)


@settings(max_examples=25, deadline=None)
@given(
    principal_cents=st.integers(min_value=10_000, max_value=50_000_000),
    rate_bp=st.integers(min_value=1, max_value=4000),
    term=st.integers(min_value=2, max_value=120),
)
def test_whole_months_make_the_aprc_appendix_js_effective_rate(principal_cents, rate_bp, term):
    """Without odd days t_k = k/12, so Σ P (1+X)^(−k/12) = A is Appendix J's equation in
    1 + i = (1 + X)^(1/12): the APRC is Appendix J's effective rate (1 + i)^12 − 1."""
    principal = D(principal_cents) / 100
    payment = (principal * (1 + D(rate_bp) / 120000) / term + principal / 1000).quantize(D("0.01"))
    flows = regular_payments(payment, term, date(2026, 2, 15), "monthly")
    aprc = apr_by_method("eu_aprc", principal, date(2026, 1, 15), flows)
    reg_z = annual_percentage_rate(principal, date(2026, 1, 15), flows)
    assert abs(aprc.nominal - reg_z.effective) <= D("1e-10")
    assert abs(aprc.periodic - reg_z.periodic) <= D("1e-11")


def test_bad_flows_and_methods_are_refused():
    with pytest.raises(AprError, match="unknown APR method"):
        apr_by_method("eu_apr", D(1000), date(2026, 1, 1), [(D(1100), date(2027, 1, 1))])
    with pytest.raises(AprError, match="not an Annex I method"):
        annual_percentage_rate_of_charge(
            D(1000), date(2026, 1, 1), [(D(1100), date(2027, 1, 1))], method="cn_irr"
        )
    with pytest.raises(AprError, match="before the advance"):
        apr_by_method("eu_aprc", D(1000), date(2026, 1, 1), [(D(1100), date(2025, 1, 1))])
    with pytest.raises(AprError, match="alone repay it"):
        apr_by_method(
            "eu_aprc",
            D(1000),
            date(2026, 1, 1),
            [(D(1000), date(2026, 1, 1)), (D(10), date(2026, 2, 1))],
        )


def test_apr_methods_are_jurisdiction_data():
    assert apr_method_for("CN") is AprMethod.CN_IRR
    assert apr_method_for("us") is AprMethod.US_REG_Z
    assert apr_method_for("EU") is AprMethod.EU_APRC
    assert apr_method_for("GB") is AprMethod.UK_APRC
    assert {"CN", "US", "EU", "GB"} <= set(jurisdictions())
    assert not jurisdiction_get("GB").has_apr_cap
    with pytest.raises(JurisdictionError, match="unknown jurisdiction"):
        apr_method_for("XX")
    # No APR ceiling in the EU or the UK: no cap check, and asking for a cap says so.
    assert capped_check(D("0.99"), "GB", on_date=date(2026, 1, 1)) is None
    assert capped_check(D("0.20"), "CN", on_date=date(2026, 1, 1)).within_cap
    with pytest.raises(RateCapError, match="no APR cap"):
        rate_cap("EU", date(2026, 1, 1))
    # Disclosure: one decimal under Annex I, two under Regulation Z and China's IRR disclosure.
    assert [m.disclosure_places for m in AprMethod] == [2, 1, 1, 2]


def test_irregular_flows_and_extreme_rates():
    """Remark (a): payments need not be equal nor at equal intervals. 500 on 1 February and 600
    on 20 August 2026 for 1 000 drawn on 1 January fit no unit-period, so each counts whole years
    (none) then days: t = 31/365 and 231/365; the APRC solves its own equation.

    A fee of 990 withheld leaves 10 repaid by 1 100 after 31 days: X = 110^(365/31) − 1 =
    e^(11.774 × 4.70048) − 1 = e^55.345 ≈ 1.0858 × 10^24, reached from a flat start by capped
    Newton steps."""
    start = date(2026, 1, 1)
    flows = [(D(500), date(2026, 2, 1)), (D(600), date(2026, 8, 20))]
    result = apr_by_method("eu_aprc", D(1000), start, flows)
    assert present_value(result.nominal - D("1e-11"), start, flows, "annual") > D(1000)
    assert present_value(result.nominal + D("1e-11"), start, flows, "annual") < D(1000)
    huge = apr_by_method("eu_aprc", D(1000), start, [(D(1100), date(2026, 2, 1))], fee=D(990))
    with decimal.localcontext() as context:
        context.prec = 40
        expected = ((D(365) / 31) * D(110).ln()).exp() - 1
    assert abs(huge.nominal / expected - 1) < D("1e-20")
