"""Auto-debit on due dates: the close plans the next day's debits for loans with a mandate and
sends them; failures and short debits are retried within the rule's limits, never in quiet
hours; a revoked mandate plans nothing; what the gateway collects becomes repayments."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from ledger.services import business_date_current
from loans.eod import close_day_run
from loans.models import Installment, Repayment
from loans.services.disbursement import loan_disburse
from payments.debit_plan import DebitLimits, first_attempt, in_quiet_hours, next_attempt
from payments.models import AutoDebitRule, PaymentOrder
from payments.services.auto_debit import auto_debits_plan, auto_debits_send, end_of_day
from payments.services.mandates import mandate_grant, mandate_revoke
from tests.lifecycle.factories import assert_books_consistent, make_loan

from .conftest import until

LIMITS = DebitLimits(
    per_day=3,
    per_installment=5,
    first_attempt_at=time(9),
    spacing=timedelta(hours=5),
    quiet_from=time(21),
    quiet_until=time(8),
)


def test_attempts_keep_out_of_the_quiet_hours_and_within_the_limits():
    day = date(2026, 3, 2)
    assert in_quiet_hours(time(23), LIMITS) and in_quiet_hours(time(7, 59), LIMITS)
    assert not in_quiet_hours(time(8), LIMITS) and not in_quiet_hours(time(20, 59), LIMITS)
    assert first_attempt(day, LIMITS, attempts_total=0) == datetime(2026, 3, 2, 9)
    early = DebitLimits(**{**LIMITS.__dict__, "first_attempt_at": time(6)})
    assert first_attempt(day, early, attempts_total=0) == datetime(2026, 3, 2, 8)
    assert first_attempt(day, LIMITS, attempts_total=5) is None
    at9 = datetime(2026, 3, 2, 9)
    assert next_attempt(at9, LIMITS, attempts_today=1, attempts_total=1) == datetime(2026, 3, 2, 14)
    # 14:00 + 5 h = 19:00; 19:00 + 5 h falls in the quiet hours and past the day's end: none
    assert next_attempt(
        datetime(2026, 3, 2, 14), LIMITS, attempts_today=2, attempts_total=2
    ) == datetime(2026, 3, 2, 19)
    assert (
        next_attempt(datetime(2026, 3, 2, 19), LIMITS, attempts_today=2, attempts_total=2) is None
    )
    assert next_attempt(at9, LIMITS, attempts_today=3, attempts_total=3) is None
    assert next_attempt(at9, LIMITS, attempts_today=1, attempts_total=5) is None


def loan_due_tomorrow():
    """A loan whose first installment falls due the day after the business date."""
    today = business_date_current()
    start = (
        date(today.year, today.month - 1, today.day + 1)
        if today.month > 1
        else date(today.year - 1, 12, today.day + 1)
    )
    loan = make_loan("3000.00", 3, start)
    return loan_disburse(loan=loan, business_date=start, actor="tester")


@pytest.mark.django_db
def test_the_close_debits_the_installments_due_next_day(django_capture_on_commit_callbacks):
    loan = loan_due_tomorrow()
    first = Installment.objects.get(loan=loan, number=1)
    assert first.due_date == business_date_current() + timedelta(days=1)
    mandate = mandate_grant(loan=loan, account_reference="6222****1234", consent_text="I agree")
    with django_capture_on_commit_callbacks(execute=True):
        close_day_run()
    order = PaymentOrder.objects.get(loan=loan)
    assert (order.purpose, order.status, order.installment_id) == (
        "auto_debit",
        "succeeded",
        first.pk,
    )
    assert order.scheduled_for.astimezone(end_of_day(first.due_date).tzinfo).time() == time(9)
    assert Installment.objects.get(pk=first.pk).status == Installment.Status.PAID
    repayment = Repayment.objects.get(loan=loan)
    assert (repayment.value_date, repayment.amount) == (first.due_date, first.total_due)
    # planning again changes nothing; after a revocation nothing is planned
    second = Installment.objects.get(loan=loan, number=2)
    assert auto_debits_plan(day=first.due_date) == []
    mandate_revoke(mandate=mandate)
    assert auto_debits_plan(day=second.due_date) == []
    assert_books_consistent()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_short_and_failed_debits_are_retried_within_the_limits(rails):
    AutoDebitRule.objects.create(
        name="default",
        max_attempts_per_day=2,
        max_attempts_per_installment=3,
        first_attempt_at=time(9),
        retry_spacing_minutes=60,
        quiet_from=time(21),
        quiet_until=time(8),
    )
    loan = loan_due_tomorrow()
    first = Installment.objects.get(loan=loan, number=1)
    day = first.due_date
    mandate_grant(loan=loan, account_reference="6222****0001", consent_text="I agree")
    rails.control(balances={"6222****0001": "100.00"}, callback_delay_ms=0)
    orders = PaymentOrder.objects.filter(loan=loan).order_by("id").all  # fresh each call

    assert len(auto_debits_plan(day=day)) == 1
    auto_debits_send(until=end_of_day(day))
    until(lambda: orders().count() == 2)  # 100.00 of it collected; the rest retried at 10:00
    auto_debits_send(until=end_of_day(day))
    until(lambda: orders().last().status == "failed")
    assert [(o.status, o.attempt) for o in orders()] == [("succeeded", 1), ("failed", 2)]
    assert orders().first().amount_settled == Decimal("100.00")
    assert orders().last().amount == first.total_due - Decimal("100.00")
    assert orders().last().scheduled_for - orders().first().scheduled_for == timedelta(hours=1)
    # the day's two attempts are used: the next day's close plans the third, and the last
    nxt = day + timedelta(days=1)
    assert len(auto_debits_plan(day=nxt)) == 1
    auto_debits_send(until=end_of_day(nxt))
    until(lambda: orders().count() == 3 and orders().last().status == "failed")
    assert auto_debits_plan(day=nxt + timedelta(days=1)) == []
    repayment = Repayment.objects.get(loan=loan)
    assert repayment.amount == Decimal("100.00")
    assert Installment.objects.get(pk=first.pk).status == Installment.Status.PARTIALLY_PAID
    assert_books_consistent()
