"""The back-office API for webhook subscriptions, and the OpenAPI 3.1 `webhooks` document."""

import json
from datetime import date

import jsonschema
import pytest
from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditEvent
from events.dispatch import deliveries_queue
from events.dispatch import envelope as as_cloudevent
from events.models import Delivery, Event, Subscription
from events.schemas import SCHEMAS
from events.services import events_record_many

pytestmark = pytest.mark.django_db
BASE = "/api/v1/backoffice/webhooks/subscriptions"
PROBLEM = "application/problem+json"


def staff(*codenames: str) -> APIClient:
    user = User.objects.create_user(f"ops-{len(codenames)}", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def ops():
    return staff("view_subscription", "add_subscription", "change_subscription")


def create(client, **body):
    body = {"name": "warehouse", "url": "http://127.0.0.1:9/hook", **body}
    return client.post(BASE, body, format="json")


def test_create_list_read_update_deactivate(ops):
    made = create(ops, event_types=["repayment.posted", "loan.created"], max_attempts=3)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["secret"].startswith("whsec_") and body["secret_hint"] == "…" + body["secret"][-4:]
    assert body["event_types"] == ["loan.created", "repayment.posted"]
    assert (body["active"], body["max_attempts"], body["rotating"]) == (True, 3, False)
    listed = ops.get(BASE).json()["results"]
    assert [s["name"] for s in listed] == ["warehouse"] and "secret" not in listed[0]
    one = f"{BASE}/{body['id']}"
    changed = ops.patch(one, {"url": "http://127.0.0.1:9/other", "event_types": []}, format="json")
    assert changed.status_code == 200
    assert changed.json()["url"].endswith("/other") and changed.json()["event_types"] == []
    off = ops.post(f"{one}/deactivate")
    assert off.status_code == 200 and off.json()["active"] is False
    assert Subscription.objects.get().active is False


def test_bad_input_is_a_problem_and_changes_nothing(ops):
    bad_type = create(ops, event_types=["loan.exploded"])
    assert bad_type.status_code == 400 and bad_type["Content-Type"] == PROBLEM
    assert "event_types.0" in bad_type.json()["errors"]
    assert create(ops, url="not a url").status_code == 400
    assert create(ops).status_code == 201
    taken = create(ops)
    assert taken.status_code == 409 and taken["Content-Type"] == PROBLEM
    assert taken.json()["type"].endswith("subscription-name-taken")
    assert Subscription.objects.count() == 1
    missing = ops.get(f"{BASE}/999999")
    assert missing.status_code == 404 and missing["Content-Type"] == PROBLEM
    one = f"{BASE}/{Subscription.objects.get().pk}"
    assert ops.patch(one, {"max_attempts": 0}, format="json").status_code == 400
    ended = ops.post(f"{one}/end-rotation")
    assert ended.status_code == 422 and ended["Content-Type"] == PROBLEM


def test_only_staff_with_the_permission(ops):
    viewer = staff("view_subscription")
    assert viewer.get(BASE).status_code == 200
    refused = create(viewer)
    assert refused.status_code == 403 and refused["Content-Type"] == PROBLEM
    assert APIClient().get(BASE).status_code in (401, 403)
    create(ops)
    pk = Subscription.objects.get().pk
    assert viewer.post(f"{BASE}/{pk}/rotate-secret").status_code == 403
    assert viewer.post(f"{BASE}/{pk}/redrive").status_code == 403


def test_rotation_signs_with_both_secrets_until_it_ends(ops):
    first = create(ops).json()
    one = f"{BASE}/{first['id']}"
    rotated = ops.post(f"{one}/rotate-secret").json()
    assert rotated["rotating"] is True and rotated["secret"] != first["secret"]
    subscription = Subscription.objects.get()
    assert (subscription.secret, subscription.previous_secret) == (
        rotated["secret"],
        first["secret"],
    )
    ended = ops.post(f"{one}/end-rotation").json()
    assert ended["rotating"] is False and "secret" not in ended
    assert Subscription.objects.get().previous_secret == ""
    trail = AuditEvent.objects.filter(object_type="events.subscription").order_by("id")
    assert [(a.action, a.actor_username, a.source) for a in trail] == [
        ("webhook.subscription_create", "ops-3", "api"),
        ("webhook.secret_rotate", "ops-3", "api"),
        ("webhook.rotation_end", "ops-3", "api"),
    ]
    logged = json.dumps([(a.before, a.after) for a in trail])
    assert first["secret"] not in logged and rotated["secret"] not in logged


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_subscription_starts_now_unless_it_asks_for_history(ops):
    with transaction.atomic():
        events_record_many(
            type="loan.non_accrual",
            rows=[("loan/1", {"loan_id": 1, "days_past_due": 90}, None)],
            business_date=date(2026, 1, 1),
        )
    fresh = Subscription.objects.get(pk=create(ops, name="fresh").json()["id"])
    history = Subscription.objects.get(pk=create(ops, name="all", with_history=True).json()["id"])
    assert (deliveries_queue(fresh), deliveries_queue(history)) == (0, 1)


def test_dead_letters_are_listed_with_their_events_and_redriven(ops):
    subscription = Subscription.objects.get(pk=create(ops).json()["id"])
    with transaction.atomic():
        events_record_many(
            type="loan.non_accrual",
            rows=[(f"loan/{n}", {"loan_id": n, "days_past_due": 90}, None) for n in (1, 2)],
            business_date=date(2026, 1, 1),
        )
    events = list(Event.objects.order_by("position"))
    for event, status in zip(events, ("dead", "delivered"), strict=True):
        Delivery.objects.create(
            subscription=subscription,
            event=event,
            subject=event.subject,
            sequence=event.sequence,
            status=status,
            attempts=3,
            last_error="HTTP 500",
            next_attempt_at=timezone.now(),
        )
    one = f"{BASE}/{subscription.pk}"
    dead = ops.get(f"{one}/dead-letters").json()["results"]
    assert [(d["subject"], d["last_error"]) for d in dead] == [("loan/1", "HTTP 500")]
    assert dead[0]["event"]["type"] == "loan.non_accrual" and dead[0]["event"]["sequence"] == 1
    assert ops.get(one).json()["dead"] == 1
    assert ops.post(f"{one}/redrive").json() == {"redriven": 1}
    redriven = Delivery.objects.get(event=events[0])
    assert (redriven.status, redriven.attempts) == ("pending", 0)
    assert ops.get(f"{one}/dead-letters").json()["results"] == []


def test_the_openapi_document_publishes_every_event_type_as_a_webhook(ops):
    document = ops.get("/api/schema/", {"format": "json"}).json()
    assert document["openapi"].startswith("3.1")
    webhooks, components = document["webhooks"], document["components"]["schemas"]
    assert sorted(webhooks) == sorted(SCHEMAS)
    for type, schema in SCHEMAS.items():
        body = webhooks[type]["post"]["requestBody"]["content"]["application/cloudevents+json"]
        envelope = body["schema"]
        assert envelope["properties"]["type"] == {"const": type}
        ref = envelope["properties"]["data"]["$ref"].rsplit("/", 1)[-1]
        published = components[ref]
        assert published["properties"] == schema["properties"]
        assert published["required"] == schema["required"]
    # an event as the dispatcher sends it validates against its published webhook schema
    registry = {"components": document["components"]}
    with transaction.atomic():
        events_record_many(
            type="loan.non_accrual",
            rows=[("loan/5", {"loan_id": 5, "days_past_due": 91}, None)],
            business_date=date(2026, 1, 1),
        )
    sent = as_cloudevent(Event.objects.get())
    schema = webhooks["loan.non_accrual"]["post"]["requestBody"]["content"]
    jsonschema.validate(sent, {**schema["application/cloudevents+json"]["schema"], **registry})
    paths = document["paths"]
    assert "post" in paths[BASE] and "get" in paths[f"{BASE}/{{id}}/dead-letters"]


def test_the_admin_gives_a_subscription_without_a_secret_a_fresh_one(client):
    admin = User.objects.create_superuser("root", password="pw")
    client.force_login(admin)
    response = client.post(
        "/admin/events/subscription/add/",
        {
            "name": "crm",
            "url": "http://127.0.0.1:9/crm",
            "event_types": "[]",
            "secret": "",
            "previous_secret": "",
            "active": "on",
            "max_attempts": "8",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert Subscription.objects.get(name="crm").secret.startswith("whsec_")
