"""Golden schedules: published figures (../shared/GOLDEN.md) and hand-derived ones.

Where a published total differs from ours, the test pins our convention — every period's
interest rounded to the cent, the last installment absorbing the remainder — and says why.
"""

from datetime import date
from decimal import Decimal

import pytest

from calc.schedules import (
    Method,
    ScheduleError,
    ScheduleTerms,
    annuity_payment,
    build_schedule,
)

D = Decimal
START = date(2026, 1, 15)


def schedule(principal, rate, term, method=Method.EQUAL_INSTALLMENT, **options):
    terms = ScheduleTerms(
        principal=D(principal),
        annual_rate=D(rate),
        term=term,
        start_date=START,
        method=method,
        **options,
    )
    return build_schedule(terms)


def rows(result):
    return [
        (
            row.number,
            row.due_date,
            row.principal,
            row.interest,
            row.fee,
            row.total,
            row.remaining_principal,
        )
        for row in result.installments
    ]


# --- published figures (GOLDEN.md) -------------------------------------------------------------


def test_golden_1_mortgage_630k_equal_installment():
    """¥630,000, 360 months, 4.90%: 3,343.58 a month. Published total interest 573,688.20 is the
    unrounded payment × 360; rounding each period's interest to cents gives 573,687.49."""
    result = schedule("630000.00", "0.049", 360)
    assert result.level_amount == D("3343.58")
    assert all(row.total == D("3343.58") for row in result.installments[:-1])
    assert result.totals.interest == D("573687.49")
    assert result.totals.principal == D("630000.00")
    unrounded = annuity_payment(D(630000), D("0.049") / 12, 360)
    assert (unrounded * 360 - 630000).quantize(D("0.01")) == D("573688.20")


def test_golden_2_mortgage_630k_equal_principal():
    """¥630,000, 360 months, 4.90%, equal principal: first payment 4,322.50, each 7.15 less
    (7.1458 exactly: 1,750 × 0.049 / 12). Published total interest 464,336.25 is unrounded.

    GOLDEN.md gives 464,336.35 for per-period rounding to cents, a spreadsheet's figure: in
    binary floating point some of the 30 exact half-cent ties (m × 7.1458333… for m = 6, 18,
    30, …: 42.875, 128.625, …) fall a hair short and round down. In exact decimal arithmetic
    each tie rounds half-up, giving 464,336.40; rounding ties to even gives back exactly the
    published 464,336.25 (the ties cancel out)."""
    result = schedule("630000.00", "0.049", 360, Method.EQUAL_PRINCIPAL)
    first, second, third = result.installments[:3]
    assert first.total == D("4322.50")
    assert first.principal == D("1750.00") and first.interest == D("2572.50")
    assert first.total - second.total == D("7.15")
    assert second.total - third.total in (D("7.14"), D("7.15"))
    assert D(1750) * D("0.049") / 12 == D("7.145833333333333333333333333")
    assert result.installments[-6].interest == D("42.88")  # 10,500 × 0.049 / 12 = 42.875
    assert result.totals.interest == D("464336.40")
    even = schedule("630000.00", "0.049", 360, Method.EQUAL_PRINCIPAL, rounding="half_even")
    assert even.totals.interest == D("464336.25")


def test_golden_3_loan_1m_240_months():
    """¥1,000,000, 240 months, 4.90%: 6,544.44; month 1 interest 4,083.33, principal 2,461.11.
    Published total interest 570,665.60 is the rounded payment × 240; ours, with the last
    installment absorbing the rounding, is 570,665.67."""
    result = schedule("1000000.00", "0.049", 240)
    first = result.installments[0]
    assert result.level_amount == D("6544.44")
    assert (first.interest, first.principal) == (D("4083.33"), D("2461.11"))
    assert D("6544.44") * 240 - 1000000 == D("570665.60")
    assert result.totals.interest == D("570665.67")
    assert result.installments[-1].total == D("6544.51")


def test_golden_4_loan_300k_360_months():
    assert schedule("300000.00", "0.049", 360).level_amount == D("1592.18")


def test_golden_5_spreadsheet_pmt_end_and_start_of_period():
    """Spreadsheet PMT(8%/12, 10, 10,000) = 1,037.03 (end) and 1,030.16 (start). GOLDEN.md's
    10,370.30 / 10,301.60 for ¥100,000 are those rounded figures × 10; the exact payments on
    ¥100,000 are 10,370.32 and 10,301.64, which is what a schedule uses."""
    rate = D("0.08") / 12
    cent = D("0.01")
    assert annuity_payment(D(10000), rate, 10).quantize(cent) == D("1037.03")
    assert annuity_payment(D(10000), rate, 10, at_start=True).quantize(cent) == D("1030.16")
    assert annuity_payment(D(10000), rate, 10).quantize(cent) * 10 == D("10370.30")
    assert annuity_payment(D(100000), rate, 10).quantize(cent) == D("10370.32")
    assert annuity_payment(D(100000), rate, 10, at_start=True).quantize(cent) == D("10301.64")
    assert schedule("100000.00", "0.08", 10).level_amount == D("10370.32")


def test_golden_6_numpy_pmt():
    """numpy's pmt(0.075/12, 180, 200000) prints 1854.0247200054619 in binary floating point;
    the exact value is 1854.02472000547624778690714886..., equal to it within 1e-10."""
    payment = annuity_payment(D(200000), D("0.075") / 12, 180)
    assert abs(payment - D("1854.0247200054619")) < D("1e-10")
    assert payment.quantize(D("1e-20")) == D("1854.02472000547624778691")


def test_golden_7_numpy_ipmt_schedule():
    """2,500 at 8.24% for 12 months: month 1 principal 200.58, interest 17.17, balance
    2,299.42, exactly as published. numpy's month 12 (principal 216.26, interest 1.49) and
    total interest 112.98 come from the unrounded payment 217.7491...; with the payment
    rounded to 217.75 and each period's interest to cents, the last installment absorbs
    0.0009 × 11 of overpayment: principal 216.24, interest 1.48, total interest 112.97."""
    result = schedule("2500.00", "0.0824", 12)
    first, last = result.installments[0], result.installments[-1]
    assert (first.principal, first.interest, first.remaining_principal) == (
        D("200.58"),
        D("17.17"),
        D("2299.42"),
    )
    assert (last.principal, last.interest) == (D("216.24"), D("1.48"))
    assert abs(last.principal - D("216.26")) <= D("0.02")
    assert abs(last.interest - D("1.49")) <= D("0.01")
    assert result.totals.interest == D("112.97")


# --- hand-derived, one per method --------------------------------------------------------------


def test_hand_equal_installment():
    """1,200.00 at 12% (r = 0.01 a month), 3 months from 2026-01-15.
    PMT = 1200 × 0.01 × 1.01³ / (1.01³ − 1) = 12.363612 / 0.030301 = 408.0265 → 408.03.
    1: interest 1200.00 × 0.01 = 12.00; principal 408.03 − 12.00 = 396.03; balance 803.97.
    2: interest 8.0397 → 8.04; principal 399.99; balance 403.98.
    3: interest 4.0398 → 4.04; principal = the balance 403.98; total 408.02."""
    result = schedule("1200.00", "0.12", 3)
    assert rows(result) == [
        (1, date(2026, 2, 15), D("396.03"), D("12.00"), D("0.00"), D("408.03"), D("803.97")),
        (2, date(2026, 3, 15), D("399.99"), D("8.04"), D("0.00"), D("408.03"), D("403.98")),
        (3, date(2026, 4, 15), D("403.98"), D("4.04"), D("0.00"), D("408.02"), D("0.00")),
    ]
    assert result.totals.interest == D("24.08")
    assert [row.days_in_period for row in result.installments] == [31, 28, 31]


def test_hand_equal_principal():
    """1,200.00 at 12%, 3 months: principal 400.00 each; interest 1% of the balance before the
    payment: 12.00, 8.00, 4.00; totals 412.00, 408.00, 404.00."""
    result = schedule("1200.00", "0.12", 3, Method.EQUAL_PRINCIPAL)
    assert [(row.principal, row.interest, row.total) for row in result.installments] == [
        (D("400.00"), D("12.00"), D("412.00")),
        (D("400.00"), D("8.00"), D("408.00")),
        (D("400.00"), D("4.00"), D("404.00")),
    ]


def test_hand_equal_principal_last_absorbs_the_remainder():
    """1,000.00 over 3: 333.333… → 333.33, 333.33, and the last takes 333.34."""
    result = schedule("1000.00", "0", 3, Method.EQUAL_PRINCIPAL)
    assert [row.principal for row in result.installments] == [
        D("333.33"),
        D("333.33"),
        D("333.34"),
    ]


def test_hand_interest_only():
    """1,000.00 at 12%, 3 months: 10.00 of interest each month, the principal with the last."""
    result = schedule("1000.00", "0.12", 3, Method.INTEREST_ONLY)
    assert [(row.principal, row.interest, row.total) for row in result.installments] == [
        (D("0.00"), D("10.00"), D("10.00")),
        (D("0.00"), D("10.00"), D("10.00")),
        (D("1000.00"), D("10.00"), D("1010.00")),
    ]


def test_hand_bullet():
    """1,000.00 at 12% for 6 months: one payment on 2026-07-15 of 1,000 + 1,000 × 0.01 × 6 =
    1,060.00, for the 181 days since 2026-01-15 (16 + 28 + 31 + 30 + 31 + 30 + 15)."""
    result = schedule("1000.00", "0.12", 6, Method.BULLET)
    (row,) = result.installments
    assert (row.due_date, row.days_in_period) == (date(2026, 7, 15), 181)
    assert (row.principal, row.interest, row.total) == (D("1000.00"), D("60.00"), D("1060.00"))


def test_hand_bullet_fee_covers_every_period():
    """A 0.5% per-period fee on a 6-period bullet: 1,000 × 0.005 × 6 = 30.00 in the one row."""
    result = schedule("1000.00", "0.12", 6, Method.BULLET, fee_rate=D("0.005"))
    assert result.installments[0].fee == D("30.00")


def test_hand_flat_fee():
    """分期手续费: 1,000.00 over 3 months at 0.5% a month: principal 333.33, 333.33, 333.34 and
    a fee of 1,000 × 0.005 = 5.00 every month, no interest."""
    result = schedule("1000.00", "0", 3, Method.FLAT_FEE, fee_rate=D("0.005"))
    assert [(row.principal, row.interest, row.fee, row.total) for row in result.installments] == [
        (D("333.33"), D("0.00"), D("5.00"), D("338.33")),
        (D("333.33"), D("0.00"), D("5.00"), D("338.33")),
        (D("333.34"), D("0.00"), D("5.00"), D("338.34")),
    ]
    assert result.totals.fee == D("15.00")


def test_golden_flat_fee_12000_twelve_months():
    """12,000 as 1,000 a month plus 0.6% × 12,000 = 72.00 fee each month: 1,072.00 × 12."""
    result = schedule("12000.00", "0", 12, Method.FLAT_FEE, fee_rate=D("0.006"))
    assert {row.total for row in result.installments} == {D("1072.00")}
    assert result.totals.fee == D("864.00")


def test_hand_long_first_period():
    """1,200.00 at 12%, first due 2026-02-25: a 41-day first period under ACT/360 earns
    1,200 × 0.12 × 41 / 360 = 16.40. The principal part stays the regular 396.03, so the first
    installment is 412.43 and the rest are the regular schedule's, due on the 25th."""
    result = schedule("1200.00", "0.12", 3, first_due_date=date(2026, 2, 25))
    assert rows(result) == [
        (1, date(2026, 2, 25), D("396.03"), D("16.40"), D("0.00"), D("412.43"), D("803.97")),
        (2, date(2026, 3, 25), D("399.99"), D("8.04"), D("0.00"), D("408.03"), D("403.98")),
        (3, date(2026, 4, 25), D("403.98"), D("4.04"), D("0.00"), D("408.02"), D("0.00")),
    ]
    assert result.installments[0].days_in_period == 41


def test_hand_short_first_period():
    """First due 2026-02-05: 21 days, 1,200 × 0.12 × 21 / 360 = 8.40; installment 404.43.
    Under ACT/365F: 1,200 × 0.12 × 21 / 365 = 8.2849 → 8.28."""
    result = schedule("1200.00", "0.12", 3, first_due_date=date(2026, 2, 5))
    assert result.installments[0].interest == D("8.40")
    assert result.installments[0].total == D("404.43")
    result = schedule("1200.00", "0.12", 3, first_due_date=date(2026, 2, 5), day_count="act/365f")
    assert result.installments[0].interest == D("8.28")


def test_hand_weekly_equal_installment():
    """1,000.00 at 18% weekly under ACT/360: r = 0.18 × 7 / 360 = 0.0035 a week.
    PMT = 1000 × 0.0035 / (1 − 1.0035⁻⁴) = 252.1898 → 252.19; interest 3.50, 2.63, 1.76, 0.88;
    the last installment takes the remaining 251.32 + 0.88 = 252.20."""
    result = schedule("1000.00", "0.18", 4, frequency="weekly")
    assert result.level_amount == D("252.19")
    assert [row.interest for row in result.installments] == [
        D("3.50"),
        D("2.63"),
        D("1.76"),
        D("0.88"),
    ]
    assert result.installments[-1].total == D("252.20")
    assert result.installments[-1].due_date == date(2026, 2, 12)


def test_upfront_fee_is_withheld_from_the_disbursement():
    """A 2% upfront fee on 1,000.00 is 20.00: the borrower receives 980.00, owes 1,000.00."""
    result = schedule("1000.00", "0.12", 3, upfront_fee_rate=D("0.02"))
    assert result.totals.upfront_fee == D("20.00")
    assert result.net_disbursement == D("980.00")
    assert result.totals.principal == D("1000.00")
    fixed = schedule("1000.00", "0.12", 3, upfront_fee=D("15.00"), upfront_fee_rate=D("0.01"))
    assert fixed.totals.upfront_fee == D("25.00")


def test_yen_schedule_uses_whole_units():
    """JPY has no minor unit: 100,000 yen at 12% over 3 months pays 34,002 yen a month
    (34,002.21 unrounded). Interest 1,000; balance 66,998 → 669.98 → 670; balance 33,666 →
    336.66 → 337; the last installment pays 33,666 + 337 = 34,003."""
    result = schedule("100000", "0.12", 3, minor_unit=D("1"))
    assert result.level_amount == D("34002")
    assert [row.interest for row in result.installments] == [D("1000"), D("670"), D("337")]
    assert result.installments[-1].total == D("34003")
    assert result.totals.principal == D("100000")


def test_shifted_due_dates_do_not_change_amounts():
    """A loan due on the 1st from 2026-09-01: 2026-10-01 is National Day. The next-business-day
    rule pays on 2026-10-08, the previous-business-day rule on 2026-09-30; amounts and the
    accrual period (30 contractual days) are those of the unshifted schedule."""
    base = dict(principal=D("3000.00"), annual_rate=D("0.12"), term=3, start_date=date(2026, 9, 1))
    plain = build_schedule(ScheduleTerms(**base))
    after = build_schedule(ScheduleTerms(**base, calendar="CN", shift_rule="next_business_day"))
    before = build_schedule(
        ScheduleTerms(**base, calendar="CN", shift_rule="previous_business_day")
    )
    assert after.installments[0].due_date == date(2026, 10, 8)
    assert before.installments[0].due_date == date(2026, 9, 30)
    for shifted in (after, before):
        first = shifted.installments[0]
        assert first.contractual_due_date == date(2026, 10, 1)
        assert first.days_in_period == 30
        assert [(r.principal, r.interest) for r in shifted.installments] == [
            (r.principal, r.interest) for r in plain.installments
        ]


def test_schedule_as_dict_keeps_decimals_and_dates():
    result = schedule("1200.00", "0.12", 3)
    data = result.as_dict()
    assert data["totals"]["interest"] == D("24.08")
    assert data["installments"][0]["due_date"] == date(2026, 2, 15)
    assert isinstance(data["installments"][0]["total"], Decimal)
    assert data["terms"]["method"] == "equal_installment"
    assert set(data["installments"][0]) >= {
        "number",
        "due_date",
        "days_in_period",
        "principal",
        "interest",
        "fee",
        "total",
        "remaining_principal",
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"principal": D("0")}, "positive"),
        ({"principal": D("100.001")}, "minor unit"),
        ({"term": 0}, "between 1 and 360"),
        ({"term": 361}, "between 1 and 360"),
        ({"annual_rate": D("-0.01")}, "negative"),
        ({"method": "flat_fee", "annual_rate": D("0.1")}, "no interest"),
        ({"first_due_date": START}, "after the start"),
        ({"upfront_fee": D("1000.00")}, "nothing"),
        ({"method": "balloon"}, "unknown amortization method"),
        ({"day_count": "act/act"}, "unknown day count"),
        ({"frequency": "daily"}, "unknown frequency"),
        ({"rounding": "nearest"}, "unknown rounding"),
        ({"principal": 1000.0}, "Decimal"),
    ],
)
def test_bad_terms_are_refused_with_the_reason(options, message):
    values = {"principal": D("1000.00"), "annual_rate": D("0.12"), "term": 12, "start_date": START}
    values.update(options)
    with pytest.raises(ScheduleError, match=message):
        ScheduleTerms(**values)


def test_shift_rules_need_a_known_calendar_and_due_day_is_monthly():
    values = {"principal": D("1000.00"), "annual_rate": D("0.12"), "term": 12, "start_date": START}
    with pytest.raises(ScheduleError, match="needs a calendar"):
        ScheduleTerms(**values, shift_rule="next_business_day")
    with pytest.raises(ScheduleError, match="unknown holiday calendar"):
        ScheduleTerms(**values, shift_rule="next_business_day", calendar="QQ")
    with pytest.raises(ScheduleError, match="monthly"):
        ScheduleTerms(**values, frequency="weekly", due_day=5)
