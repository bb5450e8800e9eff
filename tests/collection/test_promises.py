"""A promise to pay's life: made on a call while a step is worked, then kept, partly kept or
broken as the close reads the payments; one not kept raises the case's next step; the
promise kept-rate report by bucket and step."""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from collection.models import PromiseToPay, ScheduledAction
from collection.services import cases_sync, promise_record
from compliance.reports.base import ReportParams
from compliance.reports.promises import promise_kept_rate_report
from loans.models import Installment

from . import factories as f

pytestmark = pytest.mark.django_db
DAY = date(2026, 1, 5)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _promised(amount: str, *, days_past_due: int = 4, on_time: date = date(2026, 1, 8)):
    loan = f.loan(status="delinquent", days_past_due=days_past_due)
    case = f.open_case(loan, DAY)
    case.next_action = "call_task"
    case.save(update_fields=["next_action"])
    promise = promise_record(
        case_id=case.id,
        amount=Decimal(amount),
        promised_date=on_time,
        at=datetime.combine(DAY, time(10), SHANGHAI),
        business_date=DAY,
    )
    return loan, case, promise


def _pay(loan, amount: str) -> None:
    Installment.objects.filter(loan=loan, number=1).update(principal_paid=Decimal(amount))


def test_a_promise_remembers_the_bucket_and_the_step_it_was_made_on():
    _, case, promise = _promised("300")
    assert (promise.bucket, promise.step, promise.status) == ("M1", "call_task", "open")


def test_paid_in_full_before_its_date_is_kept_and_raises_nothing():
    loan, case, promise = _promised("150")
    _pay(loan, "150")
    result = cases_sync(business_date=date(2026, 1, 6))
    promise.refresh_from_db()
    assert (promise.status, promise.paid_since, promise.resolved_on) == (
        "kept",
        Decimal("150.00"),
        date(2026, 1, 6),
    )
    assert (result["promises_kept"], result["steps_raised"]) == (1, 0)


def test_part_paid_by_its_date_is_partly_kept_and_raises_the_next_step():
    loan, case, promise = _promised("300")
    _pay(loan, "100")
    for day in (6, 7, 8):  # still open on its date
        assert cases_sync(business_date=date(2026, 1, day))["promises_partly_kept"] == 0
    f.set_days_past_due(loan, 8)
    result = cases_sync(business_date=date(2026, 1, 9))
    promise.refresh_from_db()
    assert (promise.status, promise.paid_since) == ("partial", Decimal("100.00"))
    assert (result["promises_partly_kept"], result["steps_raised"]) == (1, 1)
    # the formal letter (the step after the call task) goes out the next morning, not at 30 dpd
    letter = ScheduledAction.objects.get(case=case, step__name="formal_letter")
    assert letter.due_at == datetime(2026, 1, 10, 9, tzinfo=SHANGHAI)
    assert letter.status == "pending"


def test_broken_raises_the_next_step_once_and_the_strategy_does_not_repeat_it():
    loan, case, promise = _promised("300")
    f.set_days_past_due(loan, 8)
    result = cases_sync(business_date=date(2026, 1, 9))
    assert (result["promises_broken"], result["steps_raised"]) == (1, 1)
    assert PromiseToPay.objects.get().status == "broken"
    # a second promise broken later raises the step after the letter (the letter is taken)
    ScheduledAction.objects.filter(case=case, step__name="call_task").update(status="done")
    case.next_action = "call_task"
    case.save(update_fields=["next_action"])
    promise_record(
        case_id=case.id,
        amount=Decimal("50"),
        promised_date=date(2026, 1, 11),
        at=datetime.combine(date(2026, 1, 10), time(11), SHANGHAI),
        business_date=date(2026, 1, 10),
    )
    f.set_days_past_due(loan, 11)
    assert cases_sync(business_date=date(2026, 1, 12))["steps_raised"] == 1
    raised = ScheduledAction.objects.filter(case=case, scheduled_on=date(2026, 1, 12))
    assert set(raised.values_list("step__name", flat=True)) == {"agency_referral", "call_task"}
    # the letter, taken early, is not scheduled again when the case reaches 30 days
    f.set_days_past_due(loan, 30)
    cases_sync(business_date=date(2026, 2, 1))
    assert ScheduledAction.objects.filter(case=case, step__name="formal_letter").count() == 1


def test_the_kept_rate_report_by_bucket_and_step():
    kept_loan, _, _ = _promised("100")
    _pay(kept_loan, "100")
    _promised("300")  # broken
    part_loan, _, _ = _promised("300", days_past_due=40)
    _pay(part_loan, "50")
    cases_sync(business_date=date(2026, 1, 9))
    params = ReportParams(
        as_of=date(2026, 1, 31), start=date(2026, 1, 1), product=None, currency="CNY"
    )
    report = promise_kept_rate_report(params=params)
    rows = {(row[0], row[1]): row[2:] for row in report.rows}
    assert rows[("bucket", "M1")] == (1, 0, 1, Decimal("0.5"))
    assert rows[("bucket", "M2")] == (0, 1, 0, Decimal("0"))
    assert rows[("step", "call_task")] == (1, 1, 1, Decimal("0.333333"))
    assert report.totals == {
        "kept": 1,
        "partly_kept": 1,
        "broken": 1,
        "kept_rate": Decimal("0.333333"),
    }
    # resolved outside the period: not counted
    params = ReportParams(
        as_of=date(2026, 2, 28), start=date(2026, 2, 1), product=None, currency="CNY"
    )
    assert promise_kept_rate_report(params=params).rows == []
