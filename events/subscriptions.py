"""Managing webhook subscriptions (the back-office API and the admin's rules in one place):
create, change, deactivate, rotate the signing secret, and the dead letters of one.

A new subscription receives the events of transactions that end after it is made, unless asked
for the history too (then everything in the outbox is queued, oldest first). A rotation signs
with a fresh secret and keeps the previous one signing beside it until the rotation is ended, so
a receiver can switch secrets without refusing a request.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction

from core.audit import audit_record, audit_snapshot
from core.errors import DomainError

from .dispatch import deliveries_redrive
from .models import Delivery, Subscription
from .schemas import SCHEMAS
from .selectors import HORIZON

SECRET_PREFIX = "whsec_"
EDITABLE = {"url", "event_types", "active", "max_attempts"}
AUDITED = ("name", "url", "event_types", "active", "max_attempts")
"""What the audit trail keeps of a subscription (never a secret)."""


class SubscriptionError(DomainError):
    status_code = 422
    code = "subscription"
    title = "The subscription cannot be set up like that."


class SubscriptionNameTaken(DomainError):
    status_code = 409
    code = "subscription-name-taken"
    title = "A subscription of that name exists."


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _event_types(types: Iterable[str]) -> list[str]:
    chosen = sorted(set(types))
    unknown = [name for name in chosen if name not in SCHEMAS]
    if unknown:
        raise SubscriptionError(f"Unknown event types: {', '.join(unknown)}.", event_types=unknown)
    return chosen


def _horizon_now() -> int:
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(HORIZON, [])
        return cursor.fetchone()[0]


def subscription_create(
    *,
    name: str,
    url: str,
    event_types: Iterable[str] = (),
    max_attempts: int = 8,
    with_history: bool = False,
    actor=None,
    source: str = "api",
) -> Subscription:
    """A new active subscription with a fresh secret (returned on it, shown once by the API);
    audited (without the secret) in its transaction."""
    subscription = Subscription(
        name=name,
        url=url,
        event_types=_event_types(event_types),
        secret=secret_new(),
        max_attempts=max_attempts,
        horizon=0 if with_history else _horizon_now(),
    )
    try:
        with transaction.atomic():
            subscription.save()
            _audit(actor, "webhook.subscription_create", subscription, None, source)
    except IntegrityError as exc:
        raise SubscriptionNameTaken(f"A subscription named {name!r} exists.") from exc
    return subscription


def subscription_update(
    *, subscription: Subscription, actor=None, source: str = "api", **changes
) -> Subscription:
    """Change the URL, event types, attempts before parking, or active flag (audited)."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise SubscriptionError(f"Cannot change {', '.join(sorted(unknown))} of a subscription.")
    if "event_types" in changes:
        changes["event_types"] = _event_types(changes["event_types"])
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        before = audit_snapshot(locked, AUDITED)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes) or None)
        _audit(actor, "webhook.subscription_update", locked, before, source)
    return locked


def subscription_deactivate(
    *, subscription: Subscription, actor=None, source: str = "api"
) -> Subscription:
    """Stop delivering (its queued deliveries wait; reactivating resumes them in order)."""
    return subscription_update(subscription=subscription, actor=actor, source=source, active=False)


def subscription_secret_rotate(
    *, subscription: Subscription, actor=None, source: str = "api"
) -> Subscription:
    """Sign with a fresh secret from now on, and with the current one beside it until the
    rotation ends. Rotating during a rotation drops the oldest secret."""
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        locked.previous_secret = locked.secret
        locked.secret = secret_new()
        locked.save(update_fields=["secret", "previous_secret"])
        _audit(actor, "webhook.secret_rotate", locked, None, source)
    return locked


def subscription_rotation_end(
    *, subscription: Subscription, actor=None, source: str = "api"
) -> Subscription:
    """Stop signing with the previous secret."""
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if not locked.previous_secret:
            raise SubscriptionError(f"Subscription {locked.name} is not rotating its secret.")
        locked.previous_secret = ""
        locked.save(update_fields=["previous_secret"])
        _audit(actor, "webhook.rotation_end", locked, None, source)
    return locked


def subscription_dead_letters(*, subscription: Subscription):
    """Its parked deliveries, with their events (newest first)."""
    return (
        Delivery.objects.filter(subscription=subscription, status=Delivery.Status.DEAD)
        .select_related("event")
        .order_by("-id")
    )


def subscription_redrive(*, subscription: Subscription, actor=None, source: str = "api") -> int:
    """Give every parked delivery of the subscription a fresh set of attempts, due now."""
    with transaction.atomic():
        count = deliveries_redrive(subscription)
        _audit(actor, "webhook.redrive", subscription, None, source, reason=f"{count} deliveries")
    return count


def _audit(actor, action: str, subscription: Subscription, before, source: str, reason=""):
    audit_record(
        actor=actor or "system",
        action=action,
        target=subscription,
        before=before,
        after=audit_snapshot(subscription, AUDITED),
        reason=reason,
        source=source,
    )
