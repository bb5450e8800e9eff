"""GET /api/v1/events?after=<cursor>: the stream for polling consumers."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission, User
from django.db import transaction
from rest_framework.test import APIClient

from events.services import events_record_many

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
DAY = date(2026, 3, 2)


def write(loans: range) -> None:
    with transaction.atomic():
        events_record_many(
            type="loan.non_accrual",
            rows=[(f"loan/{n}", {"loan_id": n, "days_past_due": 90}, None) for n in loans],
            business_date=DAY,
        )


def staff_client(*, allowed: bool) -> APIClient:
    user = User.objects.create_user("reader", password="x", is_staff=True)
    if allowed:
        user.user_permissions.add(Permission.objects.get(codename="view_event"))
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_poller_reads_every_event_once_page_by_page():
    client = staff_client(allowed=True)
    write(range(1, 6))
    first = client.get("/api/v1/events", {"limit": 3}).json()
    assert [e["data"]["loan_id"] for e in first["events"]] == [1, 2, 3]
    assert first["events"][0]["specversion"] == "1.0" and first["events"][0]["sequence"] == 1
    write(range(6, 8))
    second = client.get("/api/v1/events", {"after": first["cursor"], "limit": 10}).json()
    assert [e["data"]["loan_id"] for e in second["events"]] == [4, 5, 6, 7]
    empty = client.get("/api/v1/events", {"after": second["cursor"]}).json()
    assert empty == {"events": [], "cursor": second["cursor"]}


def test_a_bad_cursor_is_a_problem_and_a_reader_needs_the_permission():
    client = staff_client(allowed=True)
    response = client.get("/api/v1/events", {"after": "nonsense"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    User.objects.all().delete()
    assert staff_client(allowed=False).get("/api/v1/events").status_code == 403
