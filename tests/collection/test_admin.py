"""The collector's admin: queue, case page, guarded actions with the reason shown; and the
conduct report."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from collection.models import CollectionCase, ContactAttempt, PromiseToPay
from collection.selectors import conduct_report
from collection.services import cases_assign, contact_attempt_request
from ledger.services import EntrySpec, LineSpec, entry_post

from . import factories as f
from .clock import at

pytestmark = pytest.mark.django_db
SH = "Asia/Shanghai"


@pytest.fixture
def case(admin_user):
    loan = f.loan(status="delinquent", days_past_due=12)
    entry_post(
        spec=EntrySpec(
            kind="disbursement",
            business_date=date(2026, 1, 1),
            idempotency_key=f"disbursement:{loan.id}",
            lines=(
                LineSpec(account="1303", debit=Decimal("1200.00"), loan_id=loan.id),
                LineSpec(account="1002", credit=Decimal("1200.00"), loan_id=loan.id),
            ),
        ),
        actor="test",
    )
    opened = f.open_case(loan, date(2026, 1, 10))
    cases_assign(case_ids=[opened.id], agent=admin_user)
    return opened


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_queue_shows_my_open_cases_most_urgent_first(admin_client, admin_user, case):
    other = f.open_case(f.loan(status="delinquent", days_past_due=40), date(2026, 1, 10))
    cases_assign(case_ids=[other.id], agent=admin_user)
    f.open_case(f.loan(status="delinquent", days_past_due=50), date(2026, 1, 10))  # not mine
    response = admin_client.get(reverse("admin:collection_collectorqueuecase_changelist"))
    assert response.status_code == 200
    shown = [row.pk for row in response.context["cl"].result_list]
    assert shown == [other.id, case.id]


def test_each_queued_case_is_one_click_from_its_actions(admin_client, case):
    page = admin_client.get(reverse("admin:collection_collectorqueuecase_changelist"))
    html = page.content.decode()
    for name in ("log_attempt", "record_outcome", "record_promise"):
        url = reverse(f"admin:collection_collectorqueuecase_{name}", args=[case.id])
        assert f"href='{url}' id='{name}-{case.id}'" in html
        assert admin_client.get(url).status_code == 200


def test_case_page_shows_balance_schedule_and_history(admin_client, case):
    contact_attempt_request(
        case_id=case.id,
        channel="call",
        at=at("2026-01-11", "10:00", SH),
        business_date=date(2026, 1, 10),
    )
    response = admin_client.get(reverse("admin:collection_collectioncase_change", args=[case.id]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "1200.00" in page and "1303" in page  # ledger balance
    assert "2026-02-01" in page  # schedule
    assert "Log attempt" in page and "Record promise" in page
    assert "call" in page


def test_log_attempt_refused_shows_the_reason(admin_client, case, monkeypatch):
    monkeypatch.setattr("collection.admin.timezone.now", lambda: at("2026-01-11", "22:30", SH))
    url = reverse("admin:collection_collectioncase_log_attempt", args=[case.id])
    response = admin_client.post(
        url, {"channel": "call", "target": "borrower", "purpose": "collection"}
    )
    assert response.status_code == 302
    [message] = messages_of(response)
    assert "quiet_hours" in message and "Next allowed" in message
    assert ContactAttempt.objects.get().allowed is False


def test_log_attempt_allowed(admin_client, case, monkeypatch):
    monkeypatch.setattr("collection.admin.timezone.now", lambda: at("2026-01-11", "10:30", SH))
    url = reverse("admin:collection_collectioncase_log_attempt", args=[case.id])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {"channel": "call", "target": "borrower", "purpose": "collection", "outcome": "connected"},
    )
    assert "Allowed" in messages_of(response)[0]
    attempt = ContactAttempt.objects.get()
    assert (attempt.allowed, attempt.is_effective_interaction) == (True, True)


def test_record_outcome(admin_client, case, monkeypatch):
    monkeypatch.setattr("collection.admin.timezone.now", lambda: at("2026-01-11", "10:30", SH))
    attempt = contact_attempt_request(
        case_id=case.id,
        channel="call",
        at=at("2026-01-11", "10:00", SH),
        business_date=date(2026, 1, 10),
    )
    url = reverse("admin:collection_collectioncase_record_outcome", args=[case.id])
    admin_client.post(url, {"attempt": attempt.id, "outcome": "no_answer"})
    attempt.refresh_from_db()
    assert (attempt.outcome, attempt.is_effective_interaction) == ("no_answer", False)


def test_record_promise_through_the_guard(admin_client, case, monkeypatch):
    url = reverse("admin:collection_collectioncase_record_promise", args=[case.id])
    monkeypatch.setattr("collection.admin.business_date_current", lambda: date(2026, 1, 10))
    monkeypatch.setattr("collection.admin.timezone.now", lambda: at("2026-01-11", "07:30", SH))
    form = {"amount": "218.00", "promised_date": "2026-01-15", "channel": "call"}
    refused = admin_client.post(url, form)
    assert refused.status_code == 200  # the form again, with the reason
    assert "Not allowed (quiet_hours)" in refused.content.decode()
    assert ContactAttempt.objects.get().blocked_by == "quiet_hours"
    monkeypatch.setattr("collection.admin.timezone.now", lambda: at("2026-01-11", "09:30", SH))
    admin_client.post(url, form)
    assert PromiseToPay.objects.get().amount == Decimal("218.00")


def test_flags_are_edited_through_the_service(admin_client, case):
    url = reverse("admin:collection_collectioncase_change", args=[case.id])
    inlines = ("attempts", "promises", "scheduled_actions")
    management = {
        f"{name}-{count}": "0" for name in inlines for count in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
    admin_client.post(
        url, {"queue": "early", "priority": "12", "cease_contact": "on", **management}
    )
    case.refresh_from_db()
    assert case.cease_contact is True
    assert not case.scheduled_actions.filter(status="pending", step__action="call").exists()


def test_attempts_cannot_be_deleted_in_the_admin(admin_client, case):
    attempt = contact_attempt_request(
        case_id=case.id,
        channel="call",
        at=at("2026-01-11", "10:00", SH),
        business_date=date(2026, 1, 10),
    )
    delete = reverse("admin:collection_contactattempt_delete", args=[attempt.id])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ContactAttempt.objects.filter(pk=attempt.pk).exists()
    changelist = admin_client.get(reverse("admin:collection_contactattempt_changelist"))
    assert changelist.status_code == 200


def test_strategy_is_editable(admin_client):
    response = admin_client.get(reverse("admin:collection_strategy_changelist"))
    assert response.status_code == 200 and "default" in response.content.decode()


def test_conduct_report():
    case = f.open_case(f.loan(status="delinquent", days_past_due=3), date(2026, 1, 10))
    day = date(2026, 1, 10)
    for clock in ("09:00", "23:00"):
        contact_attempt_request(
            case_id=case.id, channel="call", at=at("2026-01-11", clock, SH), business_date=day
        )
    contact_attempt_request(
        case_id=case.id,
        channel="sms",
        at=at("2026-01-11", "10:00", SH),
        message="no name",
        business_date=day,
    )
    PromiseToPay.objects.create(
        case=case,
        amount=Decimal("10"),
        promised_date=day,
        made_on=day,
        status="broken",
        resolved_on=day,
    )
    CollectionCase.objects.filter(pk=case.pk).update(
        status="closed", close_reason="cured", closed_on=date(2026, 1, 12)
    )
    report = conduct_report(date(2026, 1, 1), date(2026, 1, 31))
    assert report["attempts"] == {"total": 3, "allowed": 1, "blocked": 2}
    assert report["attempts_by_channel"]["call"] == {"attempts": 2, "allowed": 1, "blocked": 1}
    assert report["blocked_by_rule"] == {"quiet_hours": 1, "lender_not_identified": 1}
    assert report["promises"]["broken"] == 1 and report["promises"]["kept_rate"] == Decimal("0")
    assert report["cure_rate_by_bucket"]["M1"] == {
        "cases": 1,
        "cured": 1,
        "cure_rate": Decimal("1.0000"),
    }
    assert report["cure_rate_by_bucket"]["M2"]["cure_rate"] is None
