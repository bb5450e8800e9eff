"""cases_sync: opening, updating and closing cases, resolving promises, scheduling steps."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collection.models import CollectionCase, PromiseToPay, ScheduledAction
from collection.services import case_update, cases_sync
from loans.models import Installment

from . import factories as f
from .clock import at

pytestmark = pytest.mark.django_db
DAY = date(2026, 1, 5)


def steps_of(case):
    return sorted(ScheduledAction.objects.filter(case=case).values_list("step__name", "occurrence"))


def test_opens_a_case_for_a_delinquent_loan_only():
    # Given one delinquent and one performing loan
    late = f.loan(status="delinquent", days_past_due=4)
    f.loan(status="active")
    # When the close syncs cases
    result = cases_sync(business_date=DAY)
    # Then the delinquent loan has an open case on the default strategy
    case = CollectionCase.objects.get()
    assert result["opened"] == 1
    assert (case.loan_id, case.status, case.opened_on) == (late.id, "open", DAY)
    assert (case.days_past_due, case.bucket, case.queue, case.priority) == (4, "M1", "early", 4)
    assert case.borrower_id == late.borrower_id
    assert case.strategy.name == "default"


def test_is_idempotent_for_a_business_date():
    f.loan(status="delinquent", days_past_due=3)
    first = cases_sync(business_date=DAY)
    again = cases_sync(business_date=DAY)
    assert first["actions_scheduled"] == 1
    assert (again["opened"], again["actions_scheduled"]) == (0, 0)
    assert CollectionCase.objects.count() == 1
    assert ScheduledAction.objects.count() == 1


def test_updates_days_past_due_bucket_queue_and_priority():
    loan = f.loan(status="delinquent", days_past_due=4)
    cases_sync(business_date=DAY)
    f.set_days_past_due(loan, 45)
    result = cases_sync(business_date=date(2026, 2, 15))
    case = CollectionCase.objects.get()
    assert result["updated"] == 1
    assert (case.days_past_due, case.peak_days_past_due, case.bucket) == (45, 45, "M2")
    assert (case.queue, case.priority) == ("mid", 45)


def test_escalated_queue_is_kept():
    loan = f.loan(status="delinquent", days_past_due=65)
    case = f.open_case(loan, DAY)
    case_update(case_id=case.id, queue="agency")
    f.set_days_past_due(loan, 66)
    cases_sync(business_date=date(2026, 1, 6))
    case.refresh_from_db()
    assert (case.queue, case.bucket) == ("agency", "M3")


@pytest.mark.parametrize(
    ("actions", "days_past_due", "reason"),
    [
        (["cure"], 0, "cured"),
        (["pay_off"], 0, "paid_off"),
        (["charge_off"], 200, "charged_off"),
        (["charge_off", "close"], 200, "loan_closed"),
    ],
)
def test_closes_resolved_cases(actions, days_past_due, reason):
    # Given an open case with a pending step and an open promise
    loan = f.loan(status="delinquent", days_past_due=5)
    case = f.open_case(loan, DAY)
    PromiseToPay.objects.create(
        case=case, amount=Decimal("100"), promised_date=date(2026, 1, 20), made_on=DAY
    )
    assert ScheduledAction.objects.filter(case=case, status="pending").exists()
    # When the loan is resolved and the next close runs
    for action in actions:
        f.transition(loan, action, date(2026, 1, 6))
    f.set_days_past_due(loan, days_past_due)
    result = cases_sync(business_date=date(2026, 1, 6))
    # Then the case is closed for that reason, its pending steps cancelled
    case.refresh_from_db()
    assert result["closed_by_reason"] == {reason: 1}
    assert (case.status, case.closed_on, case.close_reason) == ("closed", date(2026, 1, 6), reason)
    assert case.recovery_referred_on == (date(2026, 1, 6) if reason == "charged_off" else None)
    assert not ScheduledAction.objects.filter(case=case, status="pending").exists()
    promise = PromiseToPay.objects.get()
    assert promise.status == ("kept" if reason in ("cured", "paid_off") else "cancelled")


def test_active_loan_still_past_due_keeps_its_case_open():
    loan = f.loan(status="delinquent", days_past_due=5)
    case = f.open_case(loan, DAY)
    f.transition(loan, "cure", DAY)
    f.set_days_past_due(loan, 2)
    cases_sync(business_date=date(2026, 1, 6))
    case.refresh_from_db()
    assert case.status == "open"


def test_a_new_delinquency_after_a_cure_is_a_new_case():
    loan = f.loan(status="delinquent", days_past_due=5)
    f.open_case(loan, DAY)
    f.transition(loan, "cure", DAY)
    f.set_days_past_due(loan, 0)
    cases_sync(business_date=date(2026, 1, 6))
    f.transition(loan, "mark_delinquent", date(2026, 2, 3))
    f.set_days_past_due(loan, 2)
    result = cases_sync(business_date=date(2026, 2, 3))
    assert result["opened"] == 1
    assert CollectionCase.objects.filter(loan=loan).count() == 2
    # The new episode gets its once-per-case steps again.
    new = CollectionCase.objects.get(loan=loan, status="open")
    assert steps_of(new) == [("day1_message", 0)]


def test_limited_to_the_loans_given():
    mine = f.loan(status="delinquent", days_past_due=3)
    other = f.loan(status="delinquent", days_past_due=3)
    cases_sync(business_date=DAY, loan_ids=[mine.id])
    assert list(CollectionCase.objects.values_list("loan_id", flat=True)) == [mine.id]
    cases_sync(business_date=DAY, loan_ids=[other.id])
    assert CollectionCase.objects.count() == 2


@pytest.mark.parametrize(
    ("days_past_due", "expected"),
    [
        (1, [("day1_message", 0)]),
        (3, [("call_task", 3)]),
        (30, [("call_task", 30), ("formal_letter", 0)]),
        (60, [("agency_referral", 0), ("call_task", 60), ("formal_letter", 0)]),
        (
            95,
            [("agency_referral", 0), ("call_task", 95), ("formal_letter", 0), ("legal_review", 0)],
        ),
    ],
)
def test_schedules_the_default_strategy_steps_in_range(days_past_due, expected):
    loan = f.loan(status="delinquent", days_past_due=days_past_due)
    case = f.open_case(loan, DAY)
    assert steps_of(case) == expected


def test_steps_are_due_the_next_morning_in_the_borrowers_time_zone():
    person = f.borrower(time_zone="America/New_York")
    loan = f.loan(person=person, jurisdiction="US", status="delinquent", days_past_due=1)
    case = f.open_case(loan, DAY)
    action = ScheduledAction.objects.get(case=case)
    assert action.due_at == at("2026-01-06", "09:00", "America/New_York")
    assert case.next_action_date is not None
    assert case.next_action == "day1_message"


def test_repeating_call_task_once_per_day_in_range():
    loan = f.loan(status="delinquent", days_past_due=3)
    case = f.open_case(loan, DAY)
    for day, dpd in ((6, 4), (7, 5)):
        f.set_days_past_due(loan, dpd)
        cases_sync(business_date=date(2026, 1, day))
    assert [o for name, o in steps_of(case) if name == "call_task"] == [3, 4, 5]


def test_pre_due_reminder_for_the_next_installment():
    # Given a delinquent loan whose next installment falls due on 1 February
    loan = f.loan(status="delinquent", days_past_due=28)
    case = f.open_case(loan, date(2026, 1, 29))
    names = [name for name, _ in steps_of(case)]
    assert "pre_due_reminder" in names
    occurrence = ScheduledAction.objects.get(case=case, step__name="pre_due_reminder").occurrence
    assert occurrence == date(2026, 2, 1).toordinal()


def test_flagged_case_gets_no_contact_steps():
    loan = f.loan(status="delinquent", days_past_due=59)
    case = f.open_case(loan, DAY)
    case_update(case_id=case.id, cease_contact=True)
    assert not ScheduledAction.objects.filter(case=case, status="pending").exists()
    f.set_days_past_due(loan, 60)
    cases_sync(business_date=date(2026, 1, 6))
    pending = ScheduledAction.objects.filter(case=case, status="pending")
    assert list(pending.values_list("step__name", flat=True)) == ["agency_referral"]


def test_open_promise_holds_contact_steps_and_broken_promise_resumes_them():
    loan = f.loan(status="delinquent", days_past_due=3)
    case = f.open_case(loan, DAY)
    PromiseToPay.objects.create(
        case=case, amount=Decimal("300"), promised_date=date(2026, 1, 7), made_on=DAY
    )
    for day, dpd in ((6, 4), (7, 5)):
        f.set_days_past_due(loan, dpd)
        result = cases_sync(business_date=date(2026, 1, day))
        assert result["actions_scheduled"] == 0
    f.set_days_past_due(loan, 6)
    result = cases_sync(business_date=date(2026, 1, 8))
    assert (result["promises_broken"], result["actions_scheduled"]) == (1, 1)
    promise = PromiseToPay.objects.get()
    assert (promise.status, promise.resolved_on) == ("broken", date(2026, 1, 8))


def test_promise_kept_when_payments_reach_it():
    loan = f.loan(status="delinquent", days_past_due=3)
    case = f.open_case(loan, DAY)
    PromiseToPay.objects.create(
        case=case, amount=Decimal("150"), promised_date=date(2026, 1, 9), made_on=DAY
    )
    Installment.objects.filter(loan=loan, number=1).update(principal_paid=Decimal("150"))
    result = cases_sync(business_date=date(2026, 1, 6))
    promise = PromiseToPay.objects.get()
    assert result["promises_kept"] == 1
    assert (promise.status, promise.paid_since) == ("kept", Decimal("150.00"))


def test_query_count_does_not_grow_with_the_portfolio():
    def queries_for(n):
        loans = [f.loan(status="delinquent", days_past_due=3 + i % 40) for i in range(n)]
        ids = [loan.id for loan in loans]
        cases_sync(business_date=DAY, loan_ids=ids)
        for loan in loans:
            f.set_days_past_due(loan, loan.days_past_due + 1)
        with CaptureQueriesContext(connection) as captured:
            cases_sync(business_date=date(2026, 1, 6), loan_ids=ids)
        return len(captured)

    assert queries_for(3) == queries_for(15)
