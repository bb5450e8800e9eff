"""The webhook dispatcher: queue each subscription's events, deliver them in per-subject order.

**Queueing** takes the events of every transaction that has ended: the horizon is the oldest
transaction still running in this database (from the statement's snapshot; transactions other
databases of the cluster run are left out, so they hold nothing back). An event's transaction id
is below the horizon only once no transaction that could still commit an earlier event is
running, so the queue never skips an event that commits late (a position cursor would). Each
subscription remembers its horizon.

**Delivery** sends one subject's events in sequence order and stops that subject at its first
failure: a later event of a loan never overtakes an earlier one. A failure is retried after an
exponential backoff with jitter; after `max_attempts` failures the delivery is parked (`dead`)
and the subject's later events wait until it is re-driven (`deliveries_redrive`). Every attempt
is recorded. A dispatcher killed mid-batch loses nothing: what it sent but did not record is
sent again (at least once; receivers deduplicate on the CloudEvents `id`). One dispatcher works
a subscription at a time (a session advisory lock, released if its process dies).
"""

from __future__ import annotations

import http.client
import json
import random
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from .models import Delivery, DeliveryAttempt, Event, Subscription
from .signing import HEADER, signature_header

LOCK_SPACE = 19_000
MAX_DELAY = 3600.0


def envelope(event: Event) -> dict:
    """The event as a CloudEvents 1.0 JSON object (`sequence`, `businessdate`: extensions)."""
    return {
        "specversion": "1.0",
        "id": str(event.uuid),
        "source": event.source,
        "type": event.type,
        "subject": event.subject,
        "time": event.time.isoformat(),
        "datacontenttype": "application/json",
        "sequence": event.sequence,
        "businessdate": event.business_date.isoformat(),
        "data": event.data,
    }


def deliveries_queue(subscription: Subscription) -> int:
    """Queue the subscription's events of every transaction ended since its last horizon."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """WITH snap AS (SELECT pg_current_snapshot() AS s),
                    elsewhere AS (SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
                                   WHERE datname IS DISTINCT FROM current_database()
                                     AND backend_xid IS NOT NULL),
                    h AS (SELECT coalesce(min(x::text::bigint),
                                          min(pg_snapshot_xmax(snap.s)::text::bigint)) AS xmin
                            FROM snap LEFT JOIN LATERAL pg_snapshot_xip(snap.s) AS x
                              ON x::text::bigint %% 4294967296 NOT IN (SELECT xid FROM elsewhere)),
                    queued AS (
                      INSERT INTO events_delivery (subscription_id, event_id, subject, sequence,
                                                   status, attempts, next_attempt_at, last_error)
                      SELECT %s, e.position, e.subject, e.sequence, 'pending', 0, now(), ''
                        FROM events_event e, h
                       WHERE e.txid >= %s AND e.txid < h.xmin
                         AND (cardinality(%s::text[]) = 0 OR e.type = ANY(%s::text[]))
                      ON CONFLICT DO NOTHING RETURNING 1)
               UPDATE events_subscription SET horizon = (SELECT xmin FROM h) WHERE id = %s
               RETURNING (SELECT count(*) FROM queued)""",
            [
                subscription.pk,
                subscription.horizon,
                list(subscription.event_types),
                list(subscription.event_types),
                subscription.pk,
            ],
        )
        (queued,) = cursor.fetchone()
    subscription.refresh_from_db(fields=["horizon"])
    return queued


READY = """
  SELECT d.id, d.subject, d.attempts, d.event_id
    FROM events_delivery d
   WHERE d.subscription_id = %s AND d.status = 'pending' AND d.next_attempt_at <= now()
     AND NOT EXISTS (SELECT 1 FROM events_delivery p
                      WHERE p.subscription_id = d.subscription_id AND p.subject = d.subject
                        AND p.sequence < d.sequence AND p.status <> 'delivered'
                        AND (p.status = 'dead' OR p.next_attempt_at > now()))
   ORDER BY d.subject, d.sequence
   LIMIT %s"""


@dataclass
class Outcome:
    delivery_id: int
    attempts: int
    at: float
    ms: int
    status_code: int | None
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff(attempts: int, base: float) -> float:
    """Seconds before the next try after `attempts` failures: doubling, capped, jittered."""
    return min(MAX_DELAY, base * 2 ** (attempts - 1)) * random.uniform(0.5, 1.5)


class _Sender:
    """One keep-alive HTTP connection to the subscription's receiver (one per thread)."""

    def __init__(self, subscription: Subscription, timeout: float):
        self.url = urlsplit(subscription.url)
        self.secrets = [subscription.secret, subscription.previous_secret]
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def post(self, body: bytes) -> tuple[int | None, str]:
        cls = (
            http.client.HTTPSConnection
            if self.url.scheme == "https"
            else http.client.HTTPConnection
        )
        headers = {
            "Content-Type": "application/cloudevents+json",
            HEADER: signature_header(body=body, secrets=self.secrets),
        }
        try:
            if self.conn is None:
                self.conn = cls(self.url.hostname, self.url.port, timeout=self.timeout)
            self.conn.request("POST", self.url.path or "/", body=body, headers=headers)
            response = self.conn.getresponse()
            response.read()
            if response.will_close:
                self.close()
            return response.status, "" if response.status < 300 else f"HTTP {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return None, f"{type(exc).__name__}: {exc}"[:255]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _send_chain(subscription, timeout, chain) -> list[Outcome]:
    sender, outcomes = _Sender(subscription, timeout), []
    try:
        for delivery_id, attempts, body in chain:
            started = time.time()
            status, error = sender.post(body)
            outcome = Outcome(
                delivery_id,
                attempts + 1,
                started,
                int((time.time() - started) * 1000),
                status,
                error,
            )
            outcomes.append(outcome)
            if not outcome.ok:
                break
    finally:
        sender.close()
    return outcomes


def _record(subscription: Subscription, outcomes: list[Outcome], base_delay: float) -> None:
    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(
            [
                DeliveryAttempt(
                    delivery_id=o.delivery_id,
                    attempted_at=datetime.fromtimestamp(o.at, tz=UTC),
                    status_code=o.status_code,
                    error=o.error,
                    duration_ms=o.ms,
                )
                for o in outcomes
            ],
            batch_size=2000,
        )
        delivered = [o.delivery_id for o in outcomes if o.ok]
        Delivery.objects.filter(id__in=delivered).update(
            status=Delivery.Status.DELIVERED, delivered_at=now, last_error=""
        )
        for o in outcomes:
            if o.ok:
                continue
            dead = o.attempts >= subscription.max_attempts
            Delivery.objects.filter(id=o.delivery_id).update(
                attempts=o.attempts,
                last_error=o.error,
                status=Delivery.Status.DEAD if dead else Delivery.Status.PENDING,
                next_attempt_at=now + timedelta(seconds=backoff(o.attempts, base_delay)),
            )
        if delivered:  # how many tries each delivered event took
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE events_delivery d SET attempts = v.a"
                    " FROM unnest(%s::bigint[], %s::int[]) AS v(id, a) WHERE d.id = v.id",
                    [delivered, [o.attempts for o in outcomes if o.ok]],
                )


def deliveries_send(
    subscription: Subscription,
    *,
    limit: int = 5000,
    workers: int = 8,
    timeout: float = 5.0,
    base_delay: float = 2.0,
) -> int:
    """Send one batch of the subscription's ready deliveries; return how many were tried."""
    with connection.cursor() as cursor:
        cursor.execute(READY, [subscription.pk, limit])
        rows = cursor.fetchall()
    if not rows:
        return 0
    events = Event.objects.in_bulk([row[3] for row in rows])
    chains: dict[str, list] = defaultdict(list)
    for delivery_id, subject, attempts, event_id in rows:
        body = json.dumps(envelope(events[event_id]), cls=DjangoJSONEncoder).encode()
        chains[subject].append((delivery_id, attempts, body))
    groups: list[list] = [[] for _ in range(max(1, min(workers, len(chains))))]
    for index, chain in enumerate(chains.values()):
        groups[index % len(groups)].append(chain)

    def run(group):
        return [o for chain in group for o in _send_chain(subscription, timeout, chain)]

    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        outcomes = [o for part in pool.map(run, groups) for o in part]
    _record(subscription, outcomes, base_delay)
    return len(outcomes)


def _locked(subscription: Subscription) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_SPACE, subscription.pk])
        return cursor.fetchone()[0]


def _unlock(subscription: Subscription) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_SPACE, subscription.pk])


def dispatch_once(**options) -> int:
    """Queue and send one batch for every active subscription no other dispatcher holds."""
    tried = 0
    for subscription in Subscription.objects.filter(active=True).order_by("id"):
        if not _locked(subscription):
            continue
        try:
            deliveries_queue(subscription)
            tried += deliveries_send(subscription, **options)
        finally:
            _unlock(subscription)
    return tried


def deliveries_redrive(subscription: Subscription) -> int:
    """Give the subscription's parked deliveries a fresh set of attempts, due now."""
    return Delivery.objects.filter(subscription=subscription, status=Delivery.Status.DEAD).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )


def deliveries_replay(subscription: Subscription, *, events) -> int:
    """Send `events` (a queryset, e.g. from a cursor or a date) to the subscription again: each
    delivery of them is pending and due now, with a fresh set of attempts."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(events.values_list("position", flat=True))
        Delivery.objects.filter(subscription=subscription, event_id__in=ids).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, delivered_at=None
        )
        existing = set(
            Delivery.objects.filter(subscription=subscription, event_id__in=ids).values_list(
                "event_id", flat=True
            )
        )
        Delivery.objects.bulk_create(
            [
                Delivery(
                    subscription=subscription,
                    event=event,
                    subject=event.subject,
                    sequence=event.sequence,
                    next_attempt_at=now,
                )
                for event in events.exclude(position__in=existing)
            ],
            batch_size=2000,
        )
    return len(ids)
