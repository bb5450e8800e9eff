"""A batch's events, written once at its end.

`event_record` is one statement an event. Inside `events_deferred` it keeps the event instead
(checked, numbered later), and the batch writes all it kept in one statement before it commits:
each subject's sequence advanced once, its events numbered in the order they were recorded, a
key recorded twice (in the batch or before it) written once. Any other event write inside the
block (a bulk write, an event recorded outside the batch's terms) writes what is kept first,
so one subject's events are numbered in the order their changes were made.

Kept events have no position or sequence until the write: `event_record` returns them unsaved
(no caller reads them back inside a transaction; the dispatcher reads committed rows).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from core.db import fetch_prepared, kept_until_written

from .models import Event

WRITE_SQL = """
  WITH src AS (
    SELECT * FROM ROWS FROM (jsonb_to_recordset(%s::jsonb) AS (
        uuid uuid, source text, type text, subject text, time timestamptz,
        business_date date, data jsonb, key text))
      WITH ORDINALITY AS r(uuid, source, type, subject, time, business_date, data, key, n)),
  numbered AS (
    SELECT src.*,
           row_number() OVER (PARTITION BY src.subject ORDER BY src.n) AS position_in_subject,
           count(*) OVER (PARTITION BY src.subject) AS total
      FROM src
     WHERE src.key IS NULL OR NOT EXISTS (SELECT 1 FROM events_event e WHERE e.key = src.key)),
  advanced AS (
    INSERT INTO events_subjectsequence AS s (subject, last)
    SELECT subject, count(*) FROM numbered GROUP BY subject ORDER BY subject
    ON CONFLICT (subject) DO UPDATE SET last = s.last + excluded.last
    RETURNING s.subject, s.last),
  inserted AS (
    INSERT INTO events_event
      (uuid, source, type, subject, sequence, time, business_date, data, recorded_at, key, txid)
    SELECT n.uuid, n.source, n.type, n.subject, a.last - n.total + n.position_in_subject,
           n.time, n.business_date, n.data, now(), n.key, pg_current_xact_id()::text::bigint
      FROM numbered n JOIN advanced a ON a.subject = n.subject
     ORDER BY n.subject, n.position_in_subject
    RETURNING 1)
  SELECT count(*) FROM inserted"""


class DeferredEvents:
    """The events a batch recorded and has not written yet."""

    def __init__(self) -> None:
        self._kept: list[Event] = []
        self._keys: set[str] = set()

    def keep(self, event: Event) -> Event:
        if event.key is not None:
            if event.key in self._keys:
                return event  # written once, as the first
            self._keys.add(event.key)
        self._kept.append(event)
        return event

    def pending(self) -> bool:
        return bool(self._kept)

    def statements(self) -> list[tuple[str, list[str]]]:
        """The write of what is kept, as (SQL, parameters) (none if nothing is), for the
        caller to run, and forget it."""
        if not self._kept:
            return []
        rows = [
            {
                "uuid": event.uuid,
                "source": event.source,
                "type": event.type,
                "subject": event.subject,
                "time": event.time,
                "business_date": event.business_date,
                "data": event.data,
                "key": event.key,
            }
            for event in self._kept
        ]
        self._kept, self._keys = [], set()
        return [(WRITE_SQL, [json.dumps(rows, cls=DjangoJSONEncoder)])]

    def flush(self) -> None:
        for statement in self.statements():
            fetch_prepared(*statement)


_DEFERRED: ContextVar[DeferredEvents | None] = ContextVar("events_deferred", default=None)


@contextmanager
def events_deferred(*, keep: bool = True) -> Iterator[DeferredEvents]:
    """Inside the caller's transaction: events `event_record` is given are kept and written
    together (see the module docstring), by the caller running `statements` or `flush`, or when
    the block ends. PostgreSQL only; elsewhere, or with ``keep=False``, each is written at
    once."""
    deferred = DeferredEvents()
    with kept_until_written(
        _DEFERRED, deferred, keeping=keep and connection.vendor == "postgresql"
    ):
        yield deferred


def deferring() -> DeferredEvents | None:
    return _DEFERRED.get()


def kept_written() -> None:
    """Before writing an event outside the batch's keeping: write what it kept."""
    deferred = _DEFERRED.get()
    if deferred is not None and deferred.pending():
        deferred.flush()
