"""Writing events: always inside the transaction of the change they report.

`event_record` writes one event; `events_record_bulk` writes one event per row of a query, in a
single statement on PostgreSQL (INSERT … SELECT, the subjects' sequences advanced by one upsert),
for the close's set-based steps. Neither commits anything: a transaction that rolls back takes
its events with it, and one that commits publishes them (the dispatcher reads committed rows).
`event_record` refuses to run outside a transaction; the bulk writers are each one statement on
PostgreSQL, so even in autocommit they write all their events or none (the close calls them in
its chunk's transaction).
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

from core.db import fetch_prepared
from core.errors import DomainError

from .deferred import deferring, kept_written
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


def event_record(
    *, type: str, subject: str, data: Mapping, business_date: date, key: str | None = None
) -> Event:
    """Write one event about `subject` (e.g. ``loan/42``) into the caller's transaction; with
    a `key` an event already has, return that event instead (written once). Inside
    `events_deferred` the event is kept for the batch's write and returned unsaved."""
    _in_transaction()
    _check(type, data)
    payload = json.dumps(dict(data), cls=DjangoJSONEncoder)
    event = Event(
        uuid=uuid.uuid4(),
        source=event_source(),
        type=type,
        subject=subject,
        time=business_time(business_date),
        business_date=business_date,
        data=json.loads(payload),
        key=key,
    )
    if (deferred := deferring()) is not None:
        return deferred.keep(event)
    kept_written()
    if connection.vendor != "postgresql":
        return _record_one(event)
    row = fetch_prepared(
        RECORD_ONE,
        {
            "key": key,
            "subject": subject,
            "uuid": event.uuid,
            "source": event.source,
            "type": type,
            "time": event.time,
            "date": business_date,
            "data": payload,
        },
        one=True,
    )
    if row is None:
        return _keyed_race(event)
    position, sequence, recorded_at, txid, written = row
    if not written:
        return Event.objects.get(pk=position)
    event.pk, event.sequence, event.recorded_at, event.txid = position, sequence, recorded_at, txid
    return event


# One round trip, prepared: the key looked up, the subject's sequence advanced and the event
# inserted only when the key is new, and the event (new or existing) returned.
RECORD_ONE = """
  WITH existing AS (
    SELECT position, sequence, recorded_at, txid FROM events_event
     WHERE %(key)s::text IS NOT NULL AND key = %(key)s::text),
  advanced AS (
    INSERT INTO events_subjectsequence AS s (subject, last)
    SELECT %(subject)s, 1 WHERE NOT EXISTS (SELECT 1 FROM existing)
    ON CONFLICT (subject) DO UPDATE SET last = s.last + 1
    RETURNING s.last),
  inserted AS (
    INSERT INTO events_event
      (uuid, source, type, subject, sequence, time, business_date, data, recorded_at, key, txid)
    SELECT %(uuid)s, %(source)s, %(type)s, %(subject)s, a.last, %(time)s, %(date)s,
           %(data)s::jsonb, now(), %(key)s::text, pg_current_xact_id()::text::bigint
      FROM advanced a
    ON CONFLICT (key) DO NOTHING
    RETURNING position, sequence, recorded_at, txid)
  SELECT position, sequence, recorded_at, txid, true FROM inserted
  UNION ALL
  SELECT position, sequence, recorded_at, txid, false FROM existing"""


def _keyed_race(event: Event) -> Event:
    """The key was committed by a concurrent transaction after this statement's snapshot: its
    insert did nothing, but the subject's sequence moved; put it back (the row is still locked
    by this transaction, so nobody numbered after it) and return the committed event."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE events_subjectsequence SET last = last - 1 WHERE subject = %s",
            [event.subject],
        )
    return Event.objects.get(key=event.key)


def _record_one(event: Event) -> Event:
    """Elsewhere (the SQLite demo): the key looked up, the sequence advanced, the row saved."""
    if event.key is not None:
        existing = Event.objects.filter(key=event.key).first()
        if existing is not None:
            return existing
    with connection.cursor() as cursor:
        cursor.execute(NEXT_SEQUENCE, [event.subject, 1])
        (event.sequence,) = cursor.fetchone()
    event.recorded_at = timezone.now()
    event.save(force_insert=True)
    return event


def events_record_bulk(
    *,
    type: str,
    source_sql: str,
    params: Sequence = (),
    business_date: date,
    order_by: str = "subject",
    keyed: bool = False,
) -> int:
    """One event of `type` per row of `source_sql`, in the caller's transaction; returns how
    many. The query (a SELECT, or an ``UPDATE … RETURNING``, so that the rows a step changes
    are exactly the events it writes) yields a ``subject`` column, optionally a ``key`` column
    (a row whose key an event already has is skipped: a step run twice writes once), and its
    other columns become the event's data. `order_by` (over those columns) orders one
    subject's events among themselves."""
    _check(type)
    kept_written()
    if connection.vendor != "postgresql":
        return _record_query(type, source_sql, params, business_date)
    return _insert_select(
        type,
        source_sql,
        params,
        business_date,
        "to_jsonb(src) - 'subject' - 'key'",
        order_by,
        keyed=keyed,
    )


def events_record_many(
    *, type: str, rows: Sequence[tuple[str, Mapping, str | None]], business_date: date
) -> int:
    """Events of `type` from rows computed in Python: (subject, data, key or None), in one
    statement on PostgreSQL. One subject's events are numbered in the order given."""
    _check(type)
    kept_written()
    if not rows:
        return 0
    for _, data, _ in rows:
        _check(type, data)
    subjects = [subject for subject, _, _ in rows]
    payloads = [json.dumps(dict(data), cls=DjangoJSONEncoder) for _, data, _ in rows]
    keys = [key for _, _, key in rows]
    if connection.vendor != "postgresql":
        return _record_rows(type, zip(subjects, payloads, keys, strict=True), business_date)
    source = """SELECT subject, key, data, ordinality
                  FROM unnest(%s::text[], %s::jsonb[], %s::text[])
                       WITH ORDINALITY AS r(subject, data, key)"""
    return _insert_select(
        type,
        source,
        [subjects, payloads, keys],
        business_date,
        "src.data",
        "ordinality",
        keyed=True,
    )


def _insert_select(
    type: str,
    source_sql: str,
    params: Sequence,
    business_date: date,
    data: str,
    order_by: str,
    *,
    keyed: bool,
) -> int:
    key = "src.key" if keyed else "NULL::text"
    sql = f"""
      WITH src AS ({source_sql}),
      numbered AS (
        SELECT src.subject, {key} AS key, {data} AS data,
               row_number() OVER (PARTITION BY src.subject ORDER BY {order_by}) AS n,
               count(*) OVER (PARTITION BY src.subject) AS total
          FROM src
         WHERE {key} IS NULL
            OR NOT EXISTS (SELECT 1 FROM events_event e WHERE e.key = {key})),
      advanced AS (
        INSERT INTO events_subjectsequence AS s (subject, last)
        SELECT subject, count(*) FROM numbered GROUP BY subject ORDER BY subject
        ON CONFLICT (subject) DO UPDATE SET last = s.last + excluded.last
        RETURNING s.subject, s.last)
      INSERT INTO events_event
        (uuid, source, type, subject, sequence, time, business_date, data, recorded_at, key,
         txid)
      SELECT gen_random_uuid(), %s, %s, n.subject, a.last - n.total + n.n, %s, %s, n.data,
             now(), n.key, pg_current_xact_id()::text::bigint
        FROM numbered n JOIN advanced a ON a.subject = n.subject
       ORDER BY n.subject, n.n"""
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [*params, event_source(), type, business_time(business_date), business_date]
        )
        return max(cursor.rowcount, 0)


def _record_query(type: str, source_sql: str, params: Sequence, business_date: date) -> int:
    """Elsewhere (the SQLite demo): the query's rows, numbered here."""
    with connection.cursor() as cursor:
        cursor.execute(source_sql, list(params))
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    triples = []
    for row in rows:
        subject, key = row.pop("subject"), row.pop("key", None)
        triples.append((subject, json.dumps(row, cls=DjangoJSONEncoder), key))
    return _record_rows(type, triples, business_date)


def _record_rows(type: str, rows, business_date: date) -> int:
    when, now, events = business_time(business_date), timezone.now(), []
    for subject, payload, key in rows:
        if key is not None and Event.objects.filter(key=key).exists():
            continue
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
                data=json.loads(payload),
                recorded_at=now,
                key=key,
            )
        )
    Event.objects.bulk_create(events, batch_size=1000)
    return len(events)
