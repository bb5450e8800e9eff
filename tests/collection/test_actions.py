"""Due actions: sent through the backends after the guard, deferred (not dropped) in quiet
hours, blocked when the guard refuses, retried when a backend fails."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from collection.channels import ChannelBackend, ChannelError, DeliveryResult
from collection.models import CollectionCase, ContactAttempt, PromiseToPay, ScheduledAction
from collection.services import due_actions_execute
from collection.services.actions import MAX_SEND_ATTEMPTS
from collection.tasks import execute_due_actions

from . import factories as f
from .clock import at

pytestmark = pytest.mark.django_db
DAY = date(2026, 1, 5)
SH, NY = "Asia/Shanghai", "America/New_York"


class BrokenBackend(ChannelBackend):
    def send(self, message):
        raise ChannelError("gateway down")


class Recorder(ChannelBackend):
    sent: list = []

    def send(self, message):
        Recorder.sent.append(message)
        return DeliveryResult(provider_reference="r1")


def delinquent_case(dpd=1, zone=SH, jurisdiction="CN", **loan_kwargs):
    person = f.borrower(time_zone=zone)
    loan = f.loan(
        person=person,
        jurisdiction=jurisdiction,
        status="delinquent",
        days_past_due=dpd,
        **loan_kwargs,
    )
    return f.open_case(loan, DAY)


def run(when):
    return due_actions_execute(now=when, business_date=DAY)


def test_message_sent_when_due(capsys):
    # Given a day-1 message due at 09:00 Shanghai time
    case = delinquent_case()
    action = ScheduledAction.objects.get(case=case)
    assert action.due_at == at("2026-01-06", "09:00", SH)
    # When the runner runs a minute before, nothing happens; at 09:00 it is sent
    assert run(at("2026-01-06", "08:59", SH)) == {}
    assert run(at("2026-01-06", "09:00", SH)) == {"sent": 1}
    # Then the attempt is recorded allowed and delivered, and the console shows the message
    action.refresh_from_db()
    attempt = ContactAttempt.objects.get()
    assert (action.status, action.contact_attempt_id) == ("done", attempt.id)
    assert (attempt.allowed, attempt.outcome, attempt.channel) == (True, "delivered", "sms")
    assert attempt.template == "day1_message"
    assert attempt.amount_demanded == Decimal("218.00")  # 200 principal + 18 interest due
    assert "Example Consumer Finance" in attempt.message and "218.00" in attempt.message
    assert "Example Consumer Finance" in capsys.readouterr().out
    assert attempt.retain_until == date(2031, 1, 6)


def test_quiet_hours_defer_to_the_next_opening_then_send():
    case = delinquent_case()
    # When the runner only gets to it at 23:30 local time
    assert run(at("2026-01-06", "23:30", SH)) == {"deferred": 1}
    action = ScheduledAction.objects.get(case=case)
    blocked = ContactAttempt.objects.get()
    # Then the action moved to 08:00 the next day and the refusal is on record
    assert (action.status, action.deferrals, action.last_rule) == ("pending", 1, "quiet_hours")
    assert action.due_at == at("2026-01-07", "08:00", SH)
    assert (blocked.allowed, blocked.decision, blocked.blocked_by) == (
        False,
        "defer",
        "quiet_hours",
    )
    assert blocked.deferred_until == action.due_at
    # And at 08:00 it goes out
    assert run(at("2026-01-07", "08:00", SH)) == {"sent": 1}
    assert ContactAttempt.objects.filter(allowed=True).count() == 1


def test_new_york_borrower_under_regulation_f():
    case = delinquent_case(zone=NY, jurisdiction="US")
    action = ScheduledAction.objects.get(case=case)
    action.due_at = at("2026-01-06", "08:00", NY)
    action.save()
    # 21:30 in New York is 10:30 the next morning in Shanghai (the server's zone).
    assert run(at("2026-01-06", "21:30", NY)) == {"deferred": 1}
    action.refresh_from_db()
    assert action.due_at == at("2026-01-07", "08:00", NY)
    assert run(at("2026-01-07", "08:00", NY)) == {"sent": 1}


def test_cease_contact_set_meanwhile_blocks_the_message():
    case = delinquent_case()
    CollectionCase.objects.filter(pk=case.pk).update(cease_contact=True)
    assert run(at("2026-01-06", "09:00", SH)) == {"blocked": 1}
    action = ScheduledAction.objects.get(case=case)
    assert (action.status, action.last_rule) == ("blocked", "cease_contact")
    assert ContactAttempt.objects.get().blocked_by == "cease_contact"


def test_template_without_lender_name_is_blocked():
    case = delinquent_case()
    action = ScheduledAction.objects.select_related("step").get(case=case)
    action.step.template = "Your loan {reference} is overdue: pay {amount}."
    action.step.save()
    assert run(at("2026-01-06", "09:00", SH)) == {"blocked": 1}
    assert ContactAttempt.objects.get().blocked_by == "lender_not_identified"


def test_amount_above_the_cost_cap_is_blocked():
    # A penalty of 5000 on a 1200 loan: far beyond what 24% a year allows.
    case = delinquent_case(penalty_due="5000")
    assert run(at("2026-01-06", "09:00", SH)) == {"blocked": 1}
    attempt = ContactAttempt.objects.get()
    assert attempt.blocked_by == "amount_above_cost_cap"
    assert attempt.amount_demanded == Decimal("5218.00")
    assert case.scheduled_actions.get().status == "blocked"


def test_open_promise_defers_a_collection_message_past_its_date():
    case = delinquent_case()
    PromiseToPay.objects.create(
        case=case, amount=Decimal("218"), promised_date=date(2026, 1, 8), made_on=DAY
    )
    assert run(at("2026-01-06", "09:00", SH)) == {"deferred": 1}
    action = ScheduledAction.objects.get(case=case)
    assert (action.last_rule, action.due_at) == (
        "promise_to_pay_open",
        at("2026-01-09", "08:00", SH),
    )


def test_call_task_goes_to_the_collectors_queue_not_to_a_backend():
    case = delinquent_case(dpd=3)
    assert run(at("2026-01-06", "09:00", SH)) == {"queued": 1}
    case.refresh_from_db()
    assert (case.next_action, case.next_action_date) == ("call_task", date(2026, 1, 6))
    assert not ContactAttempt.objects.exists()


def test_call_task_in_quiet_hours_is_deferred():
    case = delinquent_case(dpd=3)
    assert run(at("2026-01-06", "22:10", SH)) == {"deferred": 1}
    assert ScheduledAction.objects.get(case=case).due_at == at("2026-01-07", "08:00", SH)


def test_agency_referral_moves_the_case():
    case = delinquent_case(dpd=60)
    run(at("2026-01-06", "09:00", SH))
    case.refresh_from_db()
    assert case.queue == "agency"


def test_closed_case_actions_are_cancelled():
    case = delinquent_case()
    CollectionCase.objects.filter(pk=case.pk).update(status="closed")
    assert run(at("2026-01-06", "09:00", SH)) == {"cancelled": 1}


def test_file_backend_writes_json_lines(settings, tmp_path):
    settings.COLLECTION_CHANNEL_BACKEND = "file"
    settings.COLLECTION_FILE_BACKEND_PATH = str(tmp_path / "out" / "messages.jsonl")
    case = delinquent_case()
    run(at("2026-01-06", "09:00", SH))
    lines = (tmp_path / "out" / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    message = json.loads(lines[0])
    assert (message["case_id"], message["channel"]) == (case.id, "sms")
    assert message["recipient_masked"].startswith("138") and "*" in message["recipient_masked"]


def test_per_channel_backend(settings):
    settings.COLLECTION_CHANNEL_BACKENDS = {"sms": "tests.collection.test_actions.Recorder"}
    Recorder.sent = []
    delinquent_case()
    run(at("2026-01-06", "09:00", SH))
    assert [m.channel for m in Recorder.sent] == ["sms"]


def test_failed_sends_are_retried_then_given_up(settings):
    settings.COLLECTION_CHANNEL_BACKEND = "tests.collection.test_actions.BrokenBackend"
    case = delinquent_case()
    when = at("2026-01-06", "09:00", SH)
    assert run(when) == {"retry": 1}
    action = ScheduledAction.objects.get(case=case)
    assert (action.status, action.attempts, action.due_at) == (
        "pending",
        1,
        when + timedelta(minutes=30),
    )
    assert ContactAttempt.objects.get().outcome == "failed"
    for n in range(2, MAX_SEND_ATTEMPTS + 1):
        when += timedelta(minutes=30)
        assert run(when) == ({"failed": 1} if n == MAX_SEND_ATTEMPTS else {"retry": 1})
    action.refresh_from_db()
    assert action.status == "failed"


def test_celery_task_runs_the_service():
    delinquent_case()
    result = execute_due_actions.delay(
        now=at("2026-01-06", "09:00", SH).isoformat(), business_date=DAY.isoformat()
    ).get()
    assert result == {"sent": 1}
