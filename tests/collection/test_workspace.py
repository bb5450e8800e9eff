"""The collector's workspace: the queue by priority and by when the guard next allows a call in
the borrower's local time; one-click outcomes and the inline promise go through the guard."""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from collection.models import CollectionCase, ContactAttempt, PromiseToPay
from collection.services import cases_assign

from . import factories as f
from .clock import at

pytestmark = pytest.mark.django_db
SH, NY = "Asia/Shanghai", "America/New_York"
WORKSPACE = "admin:collection_workspace"


def _case(agent, *, priority, zone=SH, jurisdiction="CN", **flags):
    loan = f.loan(
        person=f.borrower(time_zone=zone),
        jurisdiction=jurisdiction,
        status="delinquent",
        days_past_due=12,
    )
    case = f.open_case(loan, date(2026, 1, 10))
    cases_assign(case_ids=[case.id], agent=agent)
    CollectionCase.objects.filter(pk=case.pk).update(priority=priority, **flags)
    return case


@pytest.fixture
def now(monkeypatch):
    """Sunday 10:30 in Shanghai is Saturday 21:30 in New York (after Regulation F's 21:00)."""
    monkeypatch.setattr("collection.workspace.business_date_current", lambda: date(2026, 1, 10))
    moment = at("2026-01-11", "10:30", SH)
    monkeypatch.setattr("collection.workspace.timezone.now", lambda: moment)
    return moment


def _rows(client):
    response = client.get(reverse(WORKSPACE))
    assert response.status_code == 200
    return response, [row.case.id for row in response.context["rows"]]


def test_sorted_by_priority_then_by_when_contact_is_next_allowed(admin_client, admin_user, now):
    ceased = _case(admin_user, priority=5, cease_contact=True)
    new_york = _case(admin_user, priority=5, zone=NY, jurisdiction="US")
    shanghai = _case(admin_user, priority=5)
    urgent = _case(admin_user, priority=9, zone=NY, jurisdiction="US")
    f.open_case(f.loan(status="delinquent", days_past_due=40), date(2026, 1, 10))  # not mine

    response, order = _rows(admin_client)
    assert order == [urgent.id, shanghai.id, new_york.id, ceased.id]
    rows = {row.case.id: row for row in response.context["rows"]}
    assert rows[shanghai.id].contact_allowed_now
    waiting = rows[new_york.id]
    assert (waiting.rule, str(waiting.next_contact_at.tzinfo)) == ("quiet_hours", NY)
    assert waiting.next_contact_at.isoformat() == "2026-01-11T08:00:00-05:00"
    assert (rows[ceased.id].next_contact_at, rows[ceased.id].rule) == (None, "cease_contact")
    html = response.content.decode()
    assert "2026-01-11 08:00 (America/New_York)" in html and "quiet_hours" in html
    outcome_url = reverse("admin:collection_workspace_outcome", args=[shanghai.id])
    assert f'action="{outcome_url}"' in html and f'id="outcome-{shanghai.id}-call-busy"' in html
    assert ContactAttempt.objects.count() == 0  # showing the window records nothing


def test_one_click_outcomes_go_through_the_guard(admin_client, admin_user, now):
    case = _case(admin_user, priority=5)
    url = reverse("admin:collection_workspace_outcome", args=[case.id])
    for _ in range(3):
        response = admin_client.post(url, {"outcome": "call:connected"})
        assert response.status_code == 302 and response.url == reverse(WORKSPACE)
    attempts = ContactAttempt.objects.filter(case=case)
    assert [(a.allowed, a.outcome, a.is_effective_interaction) for a in attempts] == [
        (True, "connected", True)
    ] * 3
    assert attempts[0].agent == admin_user
    blocked = admin_client.post(url, {"outcome": "call:no_answer"})
    [message] = [str(m) for m in get_messages(blocked.wsgi_request)][-1:]
    assert "effective_calls_per_day" in message
    assert attempts.filter(allowed=False).get().blocked_by == "effective_calls_per_day"

    [row] = admin_client.get(reverse(WORKSPACE)).context["rows"]
    assert row.rule == "effective_calls_per_day"
    assert row.next_contact_at.isoformat() == "2026-01-12T08:00:00+08:00"
    assert admin_client.post(url, {"outcome": "bogus"}).status_code == 302
    assert ContactAttempt.objects.filter(case=case).count() == 4  # "bogus" records nothing


def test_inline_promise_goes_through_the_guard(admin_client, admin_user, now):
    case = _case(admin_user, priority=5)
    url = reverse("admin:collection_workspace_promise", args=[case.id])
    admin_client.post(url, {"amount": "218.00", "promised_date": "2026-01-15"})
    promise = PromiseToPay.objects.get(case=case)
    assert (str(promise.amount), promise.promised_date) == ("218.00", date(2026, 1, 15))
    assert ContactAttempt.objects.get(case=case).allowed

    again = admin_client.post(url, {"amount": "10.00", "promised_date": "2026-01-16"})
    assert "open promise" in str(list(get_messages(again.wsgi_request))[-1])
    [row] = admin_client.get(reverse(WORKSPACE)).context["rows"]
    assert row.rule == "promise_to_pay_open"
    assert row.next_contact_at.isoformat() == "2026-01-16T08:00:00+08:00"


def test_only_my_open_cases_and_only_by_post(admin_client, admin_user, django_user_model, now):
    other = django_user_model.objects.create_user("other", is_staff=True)
    theirs = _case(other, priority=5)
    url = reverse("admin:collection_workspace_outcome", args=[theirs.id])
    assert admin_client.post(url, {"outcome": "call:busy"}).status_code == 404
    mine = _case(admin_user, priority=5)
    mine_url = reverse("admin:collection_workspace_outcome", args=[mine.id])
    assert admin_client.get(mine_url).status_code == 405
    assert ContactAttempt.objects.count() == 0


def test_the_workspace_reads_in_chinese(admin_user, now):
    _case(admin_user, priority=5, zone=NY, jurisdiction="US")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(admin_user)
    html = client.get(reverse(WORKSPACE)).content.decode()
    for chinese in ("我的工作台", "下次允许联系", "记录承诺", "无人接听"):
        assert chinese in html


def _queue_of(agent, size: int) -> list:
    return [
        _case(agent, priority=5, zone=(SH, NY)[n % 2], jurisdiction=("CN", "US")[n % 2])
        for n in range(size)
    ]


def test_next_allowed_contact_is_one_query_for_the_whole_queue(
    admin_client, admin_user, now, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from collection.guard import AttemptRequest
    from collection.selectors import workspace_rows
    from collection.services.guarding import decide

    # given a short queue, with history on one case
    first = _queue_of(admin_user, 2)
    admin_client.post(
        reverse("admin:collection_workspace_outcome", args=[first[0].id]),
        {"outcome": "call:connected"},
    )
    with CaptureQueriesContext(connection) as short:
        workspace_rows(agent=admin_user, at=now, as_of=date(2026, 1, 10))
    # when the queue is four times as long, with a promise and a ceased case in it
    more = _queue_of(admin_user, 6)
    admin_client.post(
        reverse("admin:collection_workspace_promise", args=[more[0].id]),
        {"amount": "50.00", "promised_date": "2026-01-14"},
    )
    CollectionCase.objects.filter(pk=more[1].pk).update(cease_contact=True)
    with CaptureQueriesContext(connection) as long:
        rows = workspace_rows(agent=admin_user, at=now, as_of=date(2026, 1, 10))
    # then the read is one query, however long the queue (not one per row) ...
    assert len(rows) == 8
    assert len(long.captured_queries) == len(short.captured_queries) == 1
    # ... and every row says what the guard says case by case (the service's own path)
    for row in rows:
        request = AttemptRequest(channel="call", at=now, debt_id=row.case.loan_id)
        decision, _ = decide(case=row.case, request=request, as_of=date(2026, 1, 10))
        assert (row.contact_allowed_now, row.rule) == (decision.allowed, decision.rule)
        expected = now if decision.allowed else decision.next_allowed_at
        assert row.next_contact_at == expected
    assert {row.rule for row in rows} >= {"", "quiet_hours", "promise_to_pay_open", "cease_contact"}
    # and the queue is sorted by it within a priority (nobody-may-call last)
    waits = [row.next_contact_at for row in rows if row.next_contact_at is not None]
    assert waits == sorted(waits)
    assert rows[-1].next_contact_at is None


def test_one_click_logs_an_sms_or_a_visit_through_the_guard(admin_client, admin_user, now):
    case = _case(admin_user, priority=5)
    url = reverse("admin:collection_workspace_outcome", args=[case.id])
    html = admin_client.get(reverse(WORKSPACE)).content.decode()
    for button in ("call-no_answer", "sms-delivered", "visit-unreachable"):
        assert f'id="outcome-{case.id}-{button}"' in html
    admin_client.post(url, {"outcome": "sms:delivered"})
    admin_client.post(url, {"outcome": "visit:unreachable"})
    sms, visit = ContactAttempt.objects.filter(case=case).order_by("id")
    assert (sms.channel, sms.outcome, sms.allowed) == ("sms", "delivered", True)
    assert sms.agent == admin_user and case.loan.reference in sms.message
    assert (visit.channel, visit.outcome, visit.allowed) == ("visit", "unreachable", True)
    # an outcome that is not one of the channel's records nothing
    admin_client.post(url, {"outcome": "sms:busy"})
    admin_client.post(url, {"outcome": "fax:delivered"})
    assert ContactAttempt.objects.filter(case=case).count() == 2


def test_a_promise_taken_on_a_visit_is_recorded_on_that_channel(admin_client, admin_user, now):
    case = _case(admin_user, priority=5)
    url = reverse("admin:collection_workspace_promise", args=[case.id])
    admin_client.post(url, {"amount": "80.00", "promised_date": "2026-01-13", "channel": "visit"})
    promise = PromiseToPay.objects.get(case=case)
    assert (str(promise.amount), promise.promised_date) == ("80.00", date(2026, 1, 13))
    assert ContactAttempt.objects.get(case=case).channel == "visit"
    # a channel the form does not offer is refused, recording nothing
    refused = admin_client.post(
        url, {"amount": "80.00", "promised_date": "2026-01-13", "channel": "sms"}
    )
    assert str(list(get_messages(refused.wsgi_request))[-1]) == "Unknown channel."
    assert PromiseToPay.objects.filter(case=case).count() == 1


def test_the_debtors_calls_on_another_case_count_in_the_queue(admin_client, admin_user, now):
    """CN allows 3 effective calls a day per debtor: three on one loan hold the other back."""
    person = f.borrower(time_zone=SH)
    cases = []
    for _ in range(2):
        loan = f.loan(person=person, jurisdiction="CN", status="delinquent", days_past_due=12)
        case = f.open_case(loan, date(2026, 1, 10))
        cases_assign(case_ids=[case.id], agent=admin_user)
        cases.append(case)
    url = reverse("admin:collection_workspace_outcome", args=[cases[0].id])
    for _ in range(3):
        admin_client.post(url, {"outcome": "call:connected"})
    rows = {row.case.id: row for row in admin_client.get(reverse(WORKSPACE)).context["rows"]}
    assert rows[cases[1].id].rule == "effective_calls_per_day"
    assert rows[cases[1].id].next_contact_at.isoformat() == "2026-01-12T08:00:00+08:00"
