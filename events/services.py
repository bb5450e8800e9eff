"""Writing events: always inside the transaction of the change they report.

`event_record` writes one event; `events_record_bulk` writes one event per row of a query, in a
single statement on PostgreSQL (INSERT … SELECT, the subjects' sequences advanced by one upsert),
for the close's set-based steps. Neither commits anything: a transaction that rolls back takes
its events with it, and one that commits publishes them (the dispatcher reads committed rows).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

from core.errors import DomainError

from .models import Event
from .schemas import SCHEMAS

NEXT_SEQUENCE = """INSERT INTO events_subjectsequence (subject, last) VALUES (%s, %s)
  ON CONFLICT (subject) DO UPDATE SET last = events_subjectsequence.last + excluded.last
  RETURNING last"""


class UnknownEventType(DomainError):
    status_code = 500
    code = "event-type"
    title = "An event of a type without a schema."


def event_source() -> str:
    return getattr(settings, "EVENTS_SOURCE", "/installment-ledger")


def business_time(business_date: date) -> datetime:
    """The business timestamp of a business date: its start, in the lender's time zone."""
    return timezone.make_aware(datetime.combine(business_date, time.min))


def _check(type: str, data: Mapping | None = None) -> None:
    schema = SCHEMAS.get(type)
    if schema is None:
        raise UnknownEventType(f"No schema for event type {type!r}.")
    if data is not None:
        missing = [name for name in schema["required"] if name not in data]
        if missing:
            raise UnknownEventType(f"Event {type} lacks {', '.join(missing)}.")


def _in_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("Events are written inside the transaction of the change they report.")


def event_record(*, type: str, subject: str, data: Mapping, business_date: date) -> Event:
    """Write one event about `subject` (e.g. ``loan/42``) into the caller's transaction."""
    _in_transaction()
    _check(type, data)
    with connection.cursor() as cursor:
        cursor.execute(NEXT_SEQUENCE, [subject, 1])
        (sequence,) = cursor.fetchone()
    return Event.objects.create(
        source=event_source(),
        type=type,
        subject=subject,
        sequence=sequence,
        time=business_time(business_date),
        business_date=business_date,
        data=json.loads(json.dumps(dict(data), cls=DjangoJSONEncoder)),
        recorded_at=timezone.now(),
    )


def events_record_bulk(
    *,
    type: str,
    source_sql: str,
    params: Sequence = (),
    business_date: date,
    order_by: str = "subject",
) -> int:
    """One event of `type` per row of `source_sql`, in the caller's transaction; returns how
    many. The query (a SELECT, or on PostgreSQL an ``UPDATE … RETURNING``, so that the rows a
    step changes are exactly the events it writes) yields a ``subject`` column, and its other
    columns become the event's data. `order_by` (over those columns) orders one subject's
    events among themselves."""
    _in_transaction()
    _check(type)
    if connection.vendor != "postgresql":
        return _record_rows(type, source_sql, params, business_date)
    sql = f"""
      WITH src AS ({source_sql}),
      numbered AS (
        SELECT src.subject, to_jsonb(src) - 'subject' AS data,
               row_number() OVER (PARTITION BY src.subject ORDER BY {order_by}) AS n,
               count(*) OVER (PARTITION BY src.subject) AS total
          FROM src),
      advanced AS (
        INSERT INTO events_subjectsequence AS s (subject, last)
        SELECT subject, count(*) FROM numbered GROUP BY subject ORDER BY subject
        ON CONFLICT (subject) DO UPDATE SET last = s.last + excluded.last
        RETURNING s.subject, s.last)
      INSERT INTO events_event
        (uuid, source, type, subject, sequence, time, business_date, data, recorded_at)
      SELECT gen_random_uuid(), %s, %s, n.subject, a.last - n.total + n.n, %s, %s, n.data, now()
        FROM numbered n JOIN advanced a ON a.subject = n.subject
       ORDER BY n.subject, n.n"""
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [*params, event_source(), type, business_time(business_date), business_date]
        )
        return max(cursor.rowcount, 0)


def _record_rows(type: str, source_sql: str, params: Sequence, business_date: date) -> int:
    """Elsewhere (the SQLite demo): the query's rows, numbered here."""
    with connection.cursor() as cursor:
        cursor.execute(source_sql, list(params))
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    when, now, events = business_time(business_date), timezone.now(), []
    for row in rows:
        subject = row.pop("subject")
        with connection.cursor() as cursor:
            cursor.execute(NEXT_SEQUENCE, [subject, 1])
            (sequence,) = cursor.fetchone()
        events.append(
            Event(
                uuid=uuid.uuid4(),
                source=event_source(),
                type=type,
                subject=subject,
                sequence=sequence,
                time=when,
                business_date=business_date,
                data=json.loads(json.dumps(row, cls=DjangoJSONEncoder)),
                recorded_at=now,
            )
        )
    Event.objects.bulk_create(events, batch_size=1000)
    return len(events)
