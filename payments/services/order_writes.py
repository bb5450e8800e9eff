"""A callback batch's order rows and report log, written once for the batch.

Applying a report changes its order and logs the report (`PaymentOrderEvent`): two statements
a report, each compiled from the model's fields. A batch applied in one transaction keeps
them (`BatchWrites`) and writes them together before it commits, in one statement: every
order's row as it stands (each field as the ORM would save it, ``updated_at`` set now), and
the reports' log in the order they were applied. Nothing may read those rows before the flush;
a report whose handling reads other orders (a late success, a returned payout) flushes first.
Off PostgreSQL (the SQLite demo) the flush saves them one by one.
"""

from __future__ import annotations

import json
from functools import lru_cache

from django.db import connection
from django.utils import timezone

from core.db import (
    fetch_prepared,
    instance_insert_prepared,
    instance_save_prepared,
    instance_values,
)
from payments.errors import OrderNotFound
from payments.models import PaymentOrder, PaymentOrderEvent

EVENT_COLUMNS = (
    ("order_id", "bigint"),
    ("source", "text"),
    ("reported_status", "text"),
    ("outcome", "text"),
    ("payload", "jsonb"),
    ("created_at", "timestamptz"),
)


@lru_cache(maxsize=1)
def _flush_sql() -> tuple[list, str]:
    fields = [
        field
        for field in PaymentOrder._meta.concrete_fields
        if not field.primary_key and not getattr(field, "auto_now_add", False)
    ]
    record = ", ".join(['"id" bigint'] + [f'"{f.column}" {f.db_type(connection)}' for f in fields])
    assignments = ", ".join(f'"{field.column}" = v."{field.column}"' for field in fields)
    event_names = ", ".join(name for name, _ in EVENT_COLUMNS)
    event_record = ", ".join(f"{name} {kind}" for name, kind in EVENT_COLUMNS)
    return fields, (
        f"WITH u AS (UPDATE {PaymentOrder._meta.db_table} AS o SET {assignments}"
        f" FROM jsonb_to_recordset(%s::jsonb) AS v({record}) WHERE o.id = v.id RETURNING 1),"
        f" e AS (INSERT INTO {PaymentOrderEvent._meta.db_table} ({event_names})"
        f" SELECT {event_names} FROM ROWS FROM (jsonb_to_recordset(%s::jsonb) AS ({event_record}))"
        f" WITH ORDINALITY AS x({event_names}, n) ORDER BY n RETURNING 1)"
        " SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM e)"
    )


class BatchWrites:
    """The orders changed and the reports logged by a batch, until `flush`."""

    def __init__(self) -> None:
        self.orders: dict[int, PaymentOrder] = {}
        self.events: list[PaymentOrderEvent] = []
        self._written: tuple[int, list[PaymentOrderEvent]] = (0, [])

    def order_changed(self, order: PaymentOrder) -> None:
        self.orders[order.pk] = order

    def report_logged(self, event: PaymentOrderEvent) -> None:
        event.created_at = timezone.now()
        self.events.append(event)

    def flush(self) -> None:
        """Write what was kept (raises `OrderNotFound`, the caller's transaction to roll back,
        if an order's row is gone)."""
        if connection.vendor != "postgresql":
            orders, events = list(self.orders.values()), self.events
            self.orders, self.events = {}, []
            for order in orders:
                if not instance_save_prepared(order):
                    raise OrderNotFound(f"No payment order {order.reference!r} to save.")
            for event in events:
                instance_insert_prepared(event)
            return
        statements = self.statements()
        if statements:
            self.written(fetch_prepared(*statements[0]))

    def statements(self) -> list[tuple[str, list[str]]]:
        """The write of what was kept, as (SQL, parameters) (none if nothing was), for the
        caller to run (pipelined with the batch's other writes, if it likes) and hand its rows
        to `written`. PostgreSQL."""
        orders, events = list(self.orders.values()), self.events
        self.orders, self.events = {}, []
        if not orders and not events:
            return []
        fields, sql = _flush_sql()
        columns = ["id", *(field.column for field in fields)]
        rows = [
            dict(zip(columns, [order.pk, *instance_values(order, fields, False)], strict=True))
            for order in orders
        ]
        logged = [
            {
                "order_id": event.order_id,
                "source": event.source,
                "reported_status": event.reported_status,
                "outcome": event.outcome,
                "payload": event.payload,
                "created_at": event.created_at,
            }
            for event in events
        ]
        self._written = (len(orders), events)
        return [(sql, [json.dumps(rows, default=str), json.dumps(logged, default=str)])]

    def written(self, rows: list[tuple]) -> None:
        """Check what the write of `statements` answered: raises `OrderNotFound` if an order's
        row is gone."""
        ((updated, _),) = rows
        orders, events = self._written
        if updated != orders:
            raise OrderNotFound("A payment order of the batch is gone.")
        for event in events:
            event._state.adding = False
            event._state.db = connection.alias
