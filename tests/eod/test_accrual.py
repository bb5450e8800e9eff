"""Step 1: daily interest accrual and period fees — exact to the schedule, never twice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger import chart
from ledger.models import JournalEntry, JournalLine
from ledger.selectors import account_balance
from ledger.services import business_date_current
from loans.eod.accrual import interest_accrue
from loans.eod.common import Chunk
from loans.models import Installment
from tests.eod.helpers import balances, close, close_until, d, make_loan

CENT = Decimal("0.01")


def accrual_lines(loan, account=chart.INTEREST_RECEIVABLE):
    return list(
        JournalLine.objects.filter(loan_id=loan.id, account__code=account, entry__kind="accrual")
        .order_by("business_date")
        .values_list("business_date", "debit")
    )


@pytest.mark.django_db
def test_daily_accruals_sum_exactly_to_an_odd_first_periods_interest():
    # Given a loan whose first period runs 45 days (1 Jan to 15 Feb)
    loan = make_loan(principal="10000.00", annual_rate="0.18", first_due_date=d("2026-02-15"))
    first = loan.installments.get(number=1)
    assert first.days_in_period == 45
    assert first.interest_due == Decimal("225.00")  # 10,000 × 18% × 45 / 360
    # When the close runs every day of the period
    close_until(d("2026-02-16"))
    # Then one accrual a day, each a cent either side of the daily average, summing exactly
    lines = accrual_lines(loan)
    assert [day for day, _ in lines] == [d("2026-01-01") + timedelta(days=n) for n in range(1, 46)]
    assert sum(amount for _, amount in lines) == first.interest_due
    assert {amount for _, amount in lines} == {Decimal("5.00")}
    first.refresh_from_db()
    assert first.interest_accrued == first.interest_due
    assert balances(loan)[chart.INTEREST_RECEIVABLE] == Decimal("225.00")
    assert account_balance(code=chart.INTEREST_INCOME) == Decimal("225.00")


@pytest.mark.django_db
def test_a_period_whose_interest_does_not_divide_evenly_carries_the_remainder():
    # Given a regular first month of 31 days, interest 180.00 → 5.806… a day
    loan = make_loan(principal="12000.00", annual_rate="0.18")
    first = loan.installments.get(number=1)
    assert (first.days_in_period, first.interest_due) == (31, Decimal("180.00"))
    close_until(d("2026-02-03"))
    amounts = [amount for _, amount in accrual_lines(loan)]
    # The first day recognizes 5.81; the sub-cent remainder is carried, never lost or doubled.
    assert amounts[0] == Decimal("5.81")
    assert set(amounts[:31]) <= {Decimal("5.80"), Decimal("5.81")}
    assert sum(amounts[:31]) == Decimal("180.00")
    # 2 Feb accrues the first day of the second period (28 days, 166.20 → 5.9357… a day).
    assert amounts[31] == Decimal("5.94")


@pytest.mark.django_db
def test_a_missed_close_is_caught_up_and_interest_paid_early_is_not_booked_again():
    # Given a loan signed 10 days before the books' first business date
    loan = make_loan(start=d("2025-12-22"), first_due_date=d("2026-01-22"))
    first = loan.installments.get(number=1)
    # When the first close runs on 1 January: the 10 days so far, in one entry
    close()
    first.refresh_from_db()
    expected = (first.interest_due * 10 / 31).quantize(CENT)
    assert first.interest_accrued == expected
    # And when a repayment recognized interest ahead of the close (catch-up), the close books
    # only what goes beyond it
    Installment.objects.filter(pk=first.pk).update(interest_accrued=first.interest_due)
    close()
    assert JournalEntry.objects.filter(kind="accrual").count() == 1


@pytest.mark.django_db
def test_period_fees_are_charged_on_the_due_date():
    # Given a flat-fee plan (分期手续费): 0.6% of 3,000 a month, no interest
    loan = make_loan(
        principal="3000.00", annual_rate="0", method="flat_fee", fee_rate="0.006", term=3
    )
    close_until(d("2026-02-01"))
    assert not JournalLine.objects.filter(account__code=chart.FEES_RECEIVABLE).exists()
    # When the close of the first due date runs
    close()
    # Then the period fee is charged: Dr 1133 / Cr 6021, fee_charged raised to fee_due
    assert balances(loan)[chart.FEES_RECEIVABLE] == Decimal("18.00")
    assert account_balance(code=chart.FEE_INCOME) == Decimal("18.00")
    first = loan.installments.get(number=1)
    assert first.fee_charged == first.fee_due == Decimal("18.00")


@pytest.mark.django_db
def test_non_accrual_loans_accrue_into_suspense():
    loan = make_loan()
    type(loan).objects.filter(pk=loan.pk).update(non_accrual=True)
    close(2)  # the start date accrues nothing; 2 January its first day
    assert balances(loan) == {
        chart.LOANS_PRINCIPAL: Decimal("12000.00"),
        chart.INTEREST_RECEIVABLE: Decimal("5.81"),
        chart.INTEREST_SUSPENSE: Decimal("5.81"),
        chart.ALLOWANCE: Decimal("120.00"),
    }
    assert account_balance(code=chart.INTEREST_INCOME) == 0


@pytest.mark.django_db
def test_running_the_step_again_books_nothing_twice():
    loan = make_loan()
    close()
    today = business_date_current()
    interest_accrue(Chunk(today))
    again = interest_accrue(Chunk(today))
    assert again.entries == 0
    assert JournalEntry.objects.filter(kind="accrual").count() == 1
    assert JournalLine.objects.filter(loan_id=loan.id, entry__kind="accrual").aggregate(
        total=Sum("debit")
    )["total"] == Decimal("5.81")
