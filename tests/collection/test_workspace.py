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
    assert f'action="{outcome_url}"' in html and f'id="outcome-{shanghai.id}-busy"' in html
    assert ContactAttempt.objects.count() == 0  # showing the window records nothing


def test_one_click_outcomes_go_through_the_guard(admin_client, admin_user, now):
    case = _case(admin_user, priority=5)
    url = reverse("admin:collection_workspace_outcome", args=[case.id])
    for _ in range(3):
        response = admin_client.post(url, {"outcome": "connected"})
        assert response.status_code == 302 and response.url == reverse(WORKSPACE)
    attempts = ContactAttempt.objects.filter(case=case)
    assert [(a.allowed, a.outcome, a.is_effective_interaction) for a in attempts] == [
        (True, "connected", True)
    ] * 3
    assert attempts[0].agent == admin_user
    blocked = admin_client.post(url, {"outcome": "no_answer"})
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
    assert admin_client.post(url, {"outcome": "busy"}).status_code == 404
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
