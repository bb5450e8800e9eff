"""Rebuilding the rest of a schedule after a partial prepayment (提前还款)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.schedules import (
    Method,
    RescheduleMode,
    ScheduleError,
    ScheduleTerms,
    build_schedule,
    reschedule,
)

D = Decimal
LOAN = ScheduleTerms(
    principal=D("12000.00"), annual_rate=D("0.12"), term=12, start_date=date(2026, 1, 15)
)


def balance_after(terms, paid_installments):
    return build_schedule(terms).installments[paid_installments - 1].remaining_principal


def test_lower_installment_keeps_the_number_of_periods():
    """12,000 at 12% for 12 months pays 1,066.19; after 6 installments 6,179.02 is owed. A
    3,000 prepayment on the 6th due date leaves 3,179.02 over the same 6 months: 548.53 a month
    (the last 548.55), due on the 15th as before."""
    remaining = balance_after(LOAN, 6)
    assert remaining == D("6179.02")
    result = reschedule(
        LOAN,
        principal=remaining - 3000,
        start_date=date(2026, 7, 15),
        remaining_term=6,
        mode=RescheduleMode.LOWER_INSTALLMENT,
    )
    assert result.level_amount == D("548.53")
    assert len(result.installments) == 6
    assert result.installments[0].due_date == date(2026, 8, 15)
    assert result.installments[-1].due_date == date(2027, 1, 15)
    assert result.installments[-1].total == D("548.55")
    assert result.totals.principal == D("3179.02")
    assert result.totals.upfront_fee == 0


def test_shorten_term_keeps_the_installment():
    """The same prepayment keeping 1,066.19 a month: interest 31.79, 21.45, 11.00 on the
    falling balance, and a last installment of 44.69 + 0.45 in the 4th month."""
    result = reschedule(
        LOAN,
        principal=D("3179.02"),
        start_date=date(2026, 7, 15),
        remaining_term=6,
        mode="shorten_term",
    )
    assert result.level_amount == D("1066.19")
    assert result.terms.term == 4
    assert [row.total for row in result.installments] == [
        D("1066.19"),
        D("1066.19"),
        D("1066.19"),
        D("45.14"),
    ]
    assert result.installments[-1].due_date == date(2026, 11, 15)
    assert result.totals.principal == D("3179.02")


def test_mid_period_prepayment_accrues_the_odd_days():
    """Prepaid on 2026-07-25, the next due date stays 2026-08-15: the first new period is 21
    days, 3,179.02 × 0.12 × 21 / 360 = 22.25."""
    result = reschedule(
        LOAN,
        principal=D("3179.02"),
        start_date=date(2026, 7, 25),
        first_due_date=date(2026, 8, 15),
        remaining_term=6,
        mode="lower_installment",
    )
    first = result.installments[0]
    assert (first.days_in_period, first.interest) == (21, D("22.25"))
    assert result.installments[1].due_date == date(2026, 9, 15)


def test_equal_principal_shorten_term_and_month_ends():
    """6,000 over 6 months from Jan 31 at 1,000 a month; 2,500 left on Apr 30. Keeping 1,000 a
    month takes 3 more months (1,000, 1,000, 500), due on the month ends May 31, Jun 30, Jul 31.
    Lowering the installment instead spreads it 833.33, 833.33, 833.34."""
    terms = ScheduleTerms(
        principal=D("6000.00"),
        annual_rate=D("0.12"),
        term=6,
        start_date=date(2026, 1, 31),
        method=Method.EQUAL_PRINCIPAL,
    )
    shorter = reschedule(
        terms,
        principal=D("2500.00"),
        start_date=date(2026, 4, 30),
        remaining_term=3,
        mode="shorten_term",
    )
    assert [(row.due_date, row.principal, row.interest) for row in shorter.installments] == [
        (date(2026, 5, 31), D("1000.00"), D("25.00")),
        (date(2026, 6, 30), D("1000.00"), D("15.00")),
        (date(2026, 7, 31), D("500.00"), D("5.00")),
    ]
    lower = reschedule(
        terms,
        principal=D("2500.00"),
        start_date=date(2026, 4, 30),
        remaining_term=3,
        mode="lower_installment",
    )
    assert [row.principal for row in lower.installments] == [
        D("833.33"),
        D("833.33"),
        D("833.34"),
    ]


def test_flat_fee_keeps_charging_on_the_original_amount():
    terms = ScheduleTerms(
        principal=D("12000.00"),
        annual_rate=D("0"),
        term=12,
        start_date=date(2026, 1, 15),
        method="flat_fee",
        fee_rate=D("0.006"),
    )
    result = reschedule(
        terms,
        principal=D("2000.00"),
        start_date=date(2026, 9, 15),
        remaining_term=4,
        mode="shorten_term",
    )
    assert [(row.principal, row.fee) for row in result.installments] == [
        (D("1000.00"), D("72.00")),
        (D("1000.00"), D("72.00")),
    ]


def test_shorten_term_needs_an_installment_to_keep():
    terms = ScheduleTerms(
        principal=D("10000.00"),
        annual_rate=D("0.12"),
        term=12,
        start_date=date(2026, 1, 15),
        method="interest_only",
    )
    with pytest.raises(ScheduleError, match="shorten_term"):
        reschedule(
            terms,
            principal=D("5000.00"),
            start_date=date(2026, 4, 15),
            remaining_term=9,
            mode="shorten_term",
        )
    lower = reschedule(
        terms,
        principal=D("5000.00"),
        start_date=date(2026, 4, 15),
        remaining_term=9,
        mode="lower_installment",
    )
    assert lower.installments[0].interest == D("50.00")


def test_an_installment_below_the_interest_cannot_shorten_the_term():
    with pytest.raises(ScheduleError, match="interest"):
        reschedule(
            LOAN,
            principal=D("9000.00"),
            start_date=date(2026, 7, 15),
            remaining_term=6,
            mode="shorten_term",
            level_amount=D("90.00"),
        )


@settings(max_examples=80, deadline=None)
@given(
    method=st.sampled_from([Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL, Method.FLAT_FEE]),
    term=st.integers(min_value=2, max_value=360),
    rate_bp=st.integers(min_value=0, max_value=3600),
    paid=st.data(),
    share=st.integers(min_value=1, max_value=99),
    mode=st.sampled_from(list(RescheduleMode)),
)
def test_rescheduled_principal_is_exact(method, term, rate_bp, paid, share, mode):
    terms = ScheduleTerms(
        principal=D("250000.00"),
        annual_rate=D(0) if method is Method.FLAT_FEE else D(rate_bp) / 10000,
        term=term,
        start_date=date(2026, 1, 31),
        method=method,
        fee_rate=D("0.003") if method is Method.FLAT_FEE else D(0),
    )
    original = build_schedule(terms)
    installments_paid = paid.draw(st.integers(min_value=1, max_value=term - 1))
    row = original.installments[installments_paid - 1]
    owed = (row.remaining_principal * share / 100).quantize(D("0.01"))
    if owed <= 0:
        return
    remaining = term - installments_paid
    result = reschedule(
        terms,
        principal=owed,
        start_date=row.contractual_due_date,
        remaining_term=remaining,
        mode=mode,
    )
    rows = result.installments
    assert sum(r.principal for r in rows) == owed
    assert rows[-1].remaining_principal == 0
    assert all(r.principal >= 0 and r.interest >= 0 for r in rows)
    assert len(rows) <= remaining
    if mode is RescheduleMode.LOWER_INSTALLMENT:
        assert len(rows) == remaining
    else:
        assert result.level_amount == original.level_amount
        kept = [
            r.principal + r.interest if method is Method.EQUAL_INSTALLMENT else r.principal
            for r in rows[:-1]
        ]
        assert set(kept) <= {original.level_amount}
    assert rows[0].due_date == original.installments[installments_paid].due_date


def test_unknown_mode_is_refused():
    with pytest.raises(ScheduleError, match="lower_installment"):
        reschedule(
            LOAN,
            principal=D("100.00"),
            start_date=date(2026, 7, 15),
            remaining_term=6,
            mode="skip_payment",
        )
