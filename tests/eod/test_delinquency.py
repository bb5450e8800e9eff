"""Steps 2, 3 and 5: installments falling due, days past due and buckets, delinquent / cured."""

from datetime import timedelta

import pytest

from calc.delinquency import bucket_for, days_past_due
from loans.models import Installment, LoanTransition
from tests.eod.helpers import close, close_until, d, fresh, make_loan, pay


@pytest.mark.parametrize(
    ("business_date", "grace", "expected"),
    [
        ("2026-02-01", 0, 0),  # due today: not yet past due
        ("2026-02-02", 0, 1),
        ("2026-03-03", 0, 30),
        ("2026-02-04", 3, 0),  # within the grace days
        ("2026-02-05", 3, 1),  # counted after them
    ],
)
def test_days_past_due_count_after_the_grace_days(business_date, grace, expected):
    assert days_past_due(d("2026-02-01"), d(business_date), grace) == expected


def test_nothing_unpaid_is_never_past_due():
    assert days_past_due(None, d("2026-02-01"), 0) == 0


@pytest.mark.parametrize(
    ("dpd", "bucket"),
    [
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-180"),
        (180, "91-180"),
        (181, "180+"),
    ],
)
def test_buckets_at_their_boundaries(dpd, bucket):
    assert bucket_for(dpd) == bucket


@pytest.mark.django_db
def test_installments_become_due_on_their_due_date():
    loan = make_loan()
    first = loan.installments.get(number=1)
    close_until(d("2026-02-01"))  # closes through 31 January
    first.refresh_from_db()
    assert first.status == Installment.Status.SCHEDULED
    close()  # the close of 1 February
    first.refresh_from_db()
    assert first.status == Installment.Status.DUE
    assert loan.installments.filter(status=Installment.Status.DUE).count() == 1
    assert fresh(loan).days_past_due == 0


@pytest.mark.django_db
def test_grace_days_delay_delinquency_and_a_payment_cures_it():
    # Given a loan with 3 grace days, its first installment due 1 February and not paid
    loan = make_loan(grace_days=3)
    close_until(d("2026-02-05"))  # closes through 4 February: still within grace
    assert (fresh(loan).status, fresh(loan).days_past_due) == ("active", 0)
    # When the close of 5 February runs
    close()
    # Then the loan is one day past due, in the 1-30 bucket, delinquent (the change logged)
    loan = fresh(loan)
    assert (loan.status, loan.days_past_due, loan.delinquency_bucket) == ("delinquent", 1, "1-30")
    assert loan.risk_category == "special_mention"
    marked = LoanTransition.objects.get(loan=loan, to_status="delinquent")
    assert (marked.actor, marked.business_date, marked.reason) == (
        "eod",
        d("2026-02-05"),
        "1 days past due",
    )
    # And when the borrower pays what is due, the next close cures it
    pay(loan)
    close()
    loan = fresh(loan)
    assert (loan.status, loan.days_past_due, loan.delinquency_bucket) == ("active", 0, "current")
    assert loan.risk_category == "normal"
    assert LoanTransition.objects.filter(loan=loan, to_status="active", reason="nothing past due")


@pytest.mark.django_db
def test_days_past_due_count_from_the_oldest_unpaid_installment():
    # Given a loan signed in September 2025: installments of 1 Oct, 1 Nov and 1 Dec unpaid
    loan = make_loan(start=d("2025-09-01"))
    close()  # the books' first close, 1 January 2026
    loan = fresh(loan)
    assert loan.days_past_due == (d("2026-01-01") - d("2025-10-01")).days == 92
    assert (loan.delinquency_bucket, loan.status) == ("91-180", "delinquent")
    # When the oldest is paid, the next oldest (1 November) sets the days past due
    oldest = loan.installments.get(number=1)
    pay(loan, through=oldest.due_date)
    close()
    assert fresh(loan).days_past_due == (d("2026-01-02") - d("2025-11-01")).days == 62
    assert fresh(loan).delinquency_bucket == "61-90"


@pytest.mark.django_db
def test_a_partly_paid_installment_is_still_past_due():
    loan = make_loan()
    close_until(d("2026-02-02"))
    Installment.objects.filter(loan=loan, number=1).update(status=Installment.Status.PARTIALLY_PAID)
    close_until(d("2026-02-01") + timedelta(days=31))
    assert fresh(loan).days_past_due == 30
