"""The money services' hot reads and writes, each one statement (one round trip) on PostgreSQL.

A repayment is five round trips: BEGIN; the loan locked, with the idempotency key looked up in
the same statement, and its open installments (with whether it has an approved settlement) read
by a second statement pipelined with it (so that it sees what a payment that held the lock
before committed); one posting
(`entry_post`); the changed installments written back with the repayment and its allocations
inserted, in one statement; COMMIT. Compiling ORM queries costs more than running
them here, so these are plain SQL built once, run as prepared statements
(`core.db.fetch_prepared`), with many-row parameters sent as one JSON value, and turned into model
instances without the ORM's per-field `__init__`. Behind a pooler in transaction mode, prepared
statements need one that supports them (PgBouncer 1.21+ with `max_prepared_statements`), or
`DATABASE_PREPARE_THRESHOLD=off`. Other databases (the SQLite demo) go through the ORM. The
instances are built by `raw_instances`, the one module that touches the ORM's internals.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import NamedTuple

import psycopg
from django.db import connection
from django.utils import timezone

from core.db import fetch_prepared, rows_update
from core.models import AuditEvent
from loans.models import Allocation, Installment, Loan, LoanModification, Repayment
from loans.raw_instances import instance_from_row, instances_from_rows, mark_inserted, model_columns

from .repayment_pending import repayments_written
from .schedule_rows import CLOSED

INSTALLMENT_WRITES = (
    ("principal_due", "numeric"),
    ("interest_due", "numeric"),
    ("fee_due", "numeric"),
    ("penalty_due", "numeric"),
    ("interest_accrued", "numeric"),
    ("fee_charged", "numeric"),
    ("principal_paid", "numeric"),
    ("interest_paid", "numeric"),
    ("fee_paid", "numeric"),
    ("penalty_paid", "numeric"),
    ("status", "text"),
    ("paid_on", "date"),
    ("due_date", "date"),
    ("days_in_period", "integer"),
    ("yield_amortization", "numeric"),
)
INSTALLMENT_NAMES = tuple(name for name, _ in INSTALLMENT_WRITES)
REPAYMENT_COLUMNS = (
    "loan_id",
    "kind",
    "status",
    "amount",
    "currency",
    "value_date",
    "business_date",
    "channel",
    "source",
    "external_reference",
    "idempotency_key",
    "request_hash",
    "prepayment_mode",
    "overpayment",
    "generation",
    "entry_id",
    "entry_ids",
    "schedule_change",
    "reversal_reason",
    "actor",
    "created_at",
)


@lru_cache(maxsize=4)
def _lock_sql(vendor: str) -> tuple[list[str], str]:
    names, columns = model_columns(Loan)
    table = Loan._meta.db_table
    return names, (
        f"SELECT {columns}, (SELECT r.id FROM {Repayment._meta.db_table} r"
        f" WHERE r.idempotency_key = %s) FROM {table} WHERE id = %s FOR UPDATE"
    )


def loan_lock_with_key(loan_id: int, idempotency_key: str = "") -> tuple[Loan | None, int | None]:
    """The loan locked for the rest of the transaction, and the id of a repayment already made
    under `idempotency_key`, if any. The key is read with the statement's snapshot, taken before
    a wait for the lock: a concurrent request's key committed meanwhile shows up later, as a
    unique violation on insert (the callers handle it)."""
    _take_preloaded(loan_id, None)  # read ahead for a payment, now read again
    repayments_written(loan_id)
    if connection.vendor != "postgresql":
        # Elsewhere (the SQLite demo) the ORM, whose converters the raw rows would need.
        loan = Loan.objects.select_for_update().filter(pk=loan_id).first()
        existing = Repayment.objects.filter(idempotency_key=idempotency_key).first()
        return loan, None if existing is None else existing.pk
    names, sql = _lock_sql(connection.vendor)
    row = fetch_prepared(sql, [idempotency_key, loan_id], one=True)
    if row is None:
        return None, None
    return instance_from_row(Loan, names, row[:-1]), row[-1]


@lru_cache(maxsize=8)
def _rows_sql(vendor: str, open_only: bool) -> tuple[list[str], str]:
    names, columns = model_columns(Installment)
    where = "loan_id = %s"
    if open_only:
        where += " AND status NOT IN (" + ", ".join(f"'{status}'" for status in CLOSED) + ")"
    return names, f"SELECT {columns} FROM {Installment._meta.db_table} WHERE {where}"


def _rows(loan: Loan, names: list[str], records) -> list[Installment]:
    return instances_from_rows(Installment, names, records, related={"loan": loan})


class LockedLoan(NamedTuple):
    """A loan locked for a payment: the row, the id of a repayment already made under the
    payment's idempotency key (if any), its open installments, and whether it has an approved
    settlement (None: not read)."""

    loan: Loan | None
    existing_id: int | None
    rows: list[Installment]
    settlement_approved: bool | None


@lru_cache(maxsize=2)
def _open_rows_sql(vendor: str) -> tuple[list[str], str]:
    """The open installments of several loans, each loan's first row carrying whether it has an
    approved settlement (a loan without open rows still has its row, the installment's columns
    null). Read once the loans are locked: approving a settlement locks its loan, so the answer
    holds until the transaction ends."""
    names, columns = model_columns(Installment)
    columns = ", ".join(f"i.{column}" for column in columns.split(", "))
    closed = ", ".join(f"'{status}'" for status in CLOSED)
    return names, (
        "WITH k AS MATERIALIZED (SELECT k.id, EXISTS (SELECT 1 FROM"
        f" {LoanModification._meta.db_table} m WHERE m.loan_id = k.id"
        f" AND m.kind = '{LoanModification.Kind.SETTLEMENT}'"
        f" AND m.status = '{LoanModification.Status.APPROVED}') AS settling"
        " FROM unnest(%s::bigint[]) AS k(id))"
        f" SELECT k.id, k.settling, i.* FROM k LEFT JOIN LATERAL (SELECT {columns}"
        f" FROM {Installment._meta.db_table} i WHERE i.loan_id = k.id"
        # OFFSET 0 keeps the lateral subquery a per-loan index scan: flattened into a join,
        # the generic plan of the prepared statement hashes the whole table.
        f" AND i.status NOT IN ({closed}) OFFSET 0) i ON true"
    )


@lru_cache(maxsize=2)
def _locks_sql(vendor: str) -> tuple[list[str], str]:
    names, columns = model_columns(Loan)
    columns = ", ".join(f"l.{column}" for column in columns.split(", "))
    return names, (
        f"SELECT {columns}, (SELECT r.id FROM {Repayment._meta.db_table} r"
        " WHERE r.idempotency_key = k.key),"
        # The id of the loan's repayment in the batch, drawn now (`repayment_batch`).
        f" nextval(pg_get_serial_sequence('{Repayment._meta.db_table}', 'id')::regclass)"
        f" FROM {Loan._meta.db_table} l JOIN unnest(%s::bigint[], %s::text[]) AS k(id, key)"
        " ON k.id = l.id WHERE l.id = ANY(%s::bigint[]) ORDER BY l.id FOR UPDATE OF l"
    )


def _locked_loans(
    lock_sql: str, lock_params: list, loan_ids: list[int]
) -> Iterator[tuple[tuple, dict[int, tuple[bool, list[tuple]]]]]:
    """Run a lock statement and the open-rows statement pipelined (one round trip). The server
    runs them in order and, the isolation being READ COMMITTED, the second takes its snapshot
    once the first holds the locks, so it sees what a payment that held a lock before
    committed. Yields the lock statement's rows with the open rows by loan id."""
    row_names, rows_sql = _open_rows_sql(connection.vendor)
    connection.ensure_connection()
    raw = connection.connection
    with (
        connection.wrap_database_errors,
        raw.pipeline(),
        psycopg.Cursor(raw) as lock,
        psycopg.Cursor(raw) as rows,
    ):
        lock.execute(lock_sql, lock_params, prepare=True)
        rows.execute(rows_sql, [loan_ids], prepare=True)
        records = lock.fetchall()
        row_records = rows.fetchall()
    open_rows: dict[int, tuple[bool, list[tuple]]] = {}
    for loan_id, settling, *row in row_records:
        entry = open_rows.setdefault(loan_id, (settling, []))
        if row[0] is not None:
            entry[1].append(row)
    for record in records:
        yield record, open_rows


def _locked(record: tuple, open_rows: dict[int, tuple[bool, list[tuple]]]) -> LockedLoan:
    names, _ = _lock_sql(connection.vendor)
    row_names, _ = _open_rows_sql(connection.vendor)
    loan = instance_from_row(Loan, names, record[:-1])
    settling, records = open_rows.get(loan.pk, (None, []))
    return LockedLoan(loan, record[-1], _rows(loan, row_names, records), settling)


_PRELOADED: ContextVar[dict[int, tuple[str, LockedLoan]] | None] = ContextVar(
    "loans_preloaded", default=None
)


@contextmanager
def loans_locked_for_payments(keys: Mapping[int, str]) -> Iterator[dict[int, int]]:
    """Inside a transaction, for a batch of payments on several loans (a gateway's callback):
    lock the loans of `keys` (loan id → the idempotency key of its one payment in the batch)
    in id order and read them with their open installments, two statements in one round trip
    for the batch rather than per payment. Inside the block, the first payment service to lock
    one of these loans takes what was read, if its key is that loan's; any other lock of it
    reads the loan again. Only for loans nothing else in the batch changes before their
    payment. Yields an id drawn for each new payment's repayment (loan id → id; none for a
    loan whose key was used already). PostgreSQL with pipelines; elsewhere nothing is read
    ahead (and no id drawn)."""
    if not connection.in_atomic_block:
        raise RuntimeError("Loans are locked for payments inside the caller's transaction.")
    preloaded: dict[int, tuple[str, LockedLoan]] = {}
    repayment_ids: dict[int, int] = {}
    if keys and connection.vendor == "postgresql" and psycopg.Pipeline.is_supported():
        loan_ids = sorted(keys)
        _, sql = _locks_sql(connection.vendor)
        params = [loan_ids, [keys[loan_id] for loan_id in loan_ids], loan_ids]
        for record, open_rows in _locked_loans(sql, params, loan_ids):
            locked = _locked(record[:-1], open_rows)
            preloaded[locked.loan.pk] = (keys[locked.loan.pk], locked)
            if locked.existing_id is None:
                repayment_ids[locked.loan.pk] = record[-1]
    token = _PRELOADED.set(preloaded)
    try:
        yield repayment_ids
    finally:
        _PRELOADED.reset(token)


def _take_preloaded(loan_id: int, idempotency_key: str | None) -> LockedLoan | None:
    preloaded = _PRELOADED.get()
    if not preloaded:
        return None
    key, locked = preloaded.pop(loan_id, ("", None))
    return locked if locked is not None and key == idempotency_key else None


def loan_lock_with_open_rows(loan_id: int, idempotency_key: str) -> LockedLoan:
    """`loan_lock_with_key`, the loan's open installments and whether it has an approved
    settlement, in one round trip (`_locked_loans`)."""
    if (locked := _take_preloaded(loan_id, idempotency_key)) is not None:
        return locked
    repayments_written(loan_id)
    if connection.vendor != "postgresql" or not psycopg.Pipeline.is_supported():
        loan, existing = loan_lock_with_key(loan_id, idempotency_key)
        rows = [] if loan is None else installments_of(loan, open_only=True)
        return LockedLoan(loan, existing, rows, None)
    _, lock_sql = _lock_sql(connection.vendor)
    for record, open_rows in _locked_loans(lock_sql, [idempotency_key, loan_id], [loan_id]):
        return _locked(record, open_rows)
    return LockedLoan(None, None, [], None)


def installments_of(loan: Loan, *, open_only: bool) -> list[Installment]:
    repayments_written(loan.pk)
    if connection.vendor != "postgresql":
        query = Installment.objects.filter(loan_id=loan.pk)
        if open_only:
            query = query.exclude(status__in=CLOSED)
        rows = list(query)
        for row in rows:
            row.loan = loan
        return rows
    names, sql = _rows_sql(connection.vendor, open_only)
    return _rows(loan, names, fetch_prepared(sql, [loan.pk]))


def installments_write(rows: Sequence[Installment]) -> None:
    """Write the amounts, status and dates of changed rows back, in one statement."""
    if rows:
        rows_update(
            Installment._meta.db_table,
            INSTALLMENT_WRITES,
            [(row.pk, *(getattr(row, name) for name, _ in INSTALLMENT_WRITES)) for row in rows],
        )


def installments_update_sql() -> str:
    """Set the changed installments from a JSON list of `installment_records`."""
    names = [name for name, _ in INSTALLMENT_WRITES]
    record = ", ".join(["id bigint"] + [f"{name} {kind}" for name, kind in INSTALLMENT_WRITES])
    return (
        f"UPDATE {Installment._meta.db_table} AS t SET "
        + ", ".join(f"{name} = v.{name}" for name in names)
        + f" FROM jsonb_to_recordset(%s::jsonb) AS v({record}) WHERE t.id = v.id RETURNING 1"
    )


AUDIT_COLUMNS = (
    "actor_id",
    "actor_username",
    "action",
    "object_type",
    "object_repr",
    "before",
    "after",
    "reason",
    "source",
    "business_date",
    "created_at",
)


@lru_cache(maxsize=2)
def _write_sql(audited: bool) -> str:
    marks = ", ".join(
        f"%s::{JSON_COLUMNS[name]}" if name in JSON_COLUMNS else "%s" for name in REPAYMENT_COLUMNS
    )
    audit = ""
    if audited:
        # The repayment's audit row goes in with it: the row needs the repayment's id, and a
        # statement of its own would be one more round trip on every repayment.
        values = ", ".join(
            "%s::jsonb" if name in ("before", "after") else "%s" for name in AUDIT_COLUMNS
        )
        audit = (
            f" e AS (INSERT INTO {AuditEvent._meta.db_table} ({', '.join(AUDIT_COLUMNS)}, object_id)"
            f" SELECT {values}, r.id::text FROM r RETURNING 1),"
        )
    return (
        f"WITH u AS ({installments_update_sql()}),"
        f" r AS (INSERT INTO {Repayment._meta.db_table} ({', '.join(REPAYMENT_COLUMNS)})"
        f" VALUES ({marks}) RETURNING id),{audit}"
        f" a AS (INSERT INTO {Allocation._meta.db_table}"
        " (repayment_id, installment_id, component, amount, recognized, generation, active)"
        " SELECT r.id, v.installment_id, v.component, v.amount, v.recognized, %s, true"
        " FROM r, jsonb_to_recordset(%s::jsonb)"
        " AS v(installment_id bigint, component text, amount numeric, recognized numeric)"
        " RETURNING id)"
        " SELECT (SELECT id FROM r), (SELECT array_agg(id ORDER BY id) FROM a),"
        " (SELECT count(*) FROM u)"
    )


def installment_records(rows: Iterable[Installment]) -> list[dict]:
    """The changed installments as `installments_update_sql` takes them."""
    return [
        {"id": row.pk, **{name: getattr(row, name) for name in INSTALLMENT_NAMES}} for row in rows
    ]


def _as_json(records: list[dict]) -> str:
    """Rows as one JSON parameter: one value to send instead of an array per column (Python's
    array dumping cost more than the statement). Decimals and dates travel as their exact text."""
    return json.dumps(records, default=str)


JSON_COLUMNS = {"entry_ids": "jsonb", "schedule_change": "jsonb"}


def _audit_value(audit: AuditEvent, name: str) -> object:
    value = getattr(audit, name)
    if name in ("before", "after") and value is not None:
        return json.dumps(value)
    return value


def repayment_insert(
    repayment: Repayment,
    allocations: Sequence[Allocation],
    *,
    rows: Sequence[Installment] = (),
    audit: AuditEvent | None = None,
) -> None:
    """Write the changed installments back and insert a repayment with its allocations and its
    audit event (whose object is the repayment): one statement on PostgreSQL. Sets their ids."""
    if connection.vendor != "postgresql":
        installments_write(rows)
        repayment.save(force_insert=True)
        for allocation in allocations:
            allocation.repayment = repayment
        Allocation.objects.bulk_create(allocations)
        if audit is not None:
            audit.object_id = str(repayment.pk)
            audit.save(force_insert=True)
        return
    repayment.created_at = timezone.now()
    params: list[object] = [_as_json(installment_records(rows))]
    for name in REPAYMENT_COLUMNS:
        value = getattr(repayment, name)
        params.append(json.dumps(value) if name in JSON_COLUMNS else value)
    if audit is not None:
        audit.created_at = repayment.created_at
        params += [_audit_value(audit, name) for name in AUDIT_COLUMNS]
    params += [
        repayment.generation,
        _as_json(
            [
                {
                    "installment_id": allocation.installment_id,
                    "component": allocation.component,
                    "amount": allocation.amount,
                    "recognized": allocation.recognized,
                }
                for allocation in allocations
            ]
        ),
    ]
    repayment.pk, allocation_ids, _ = fetch_prepared(
        _write_sql(audit is not None), params, one=True
    )
    mark_inserted(repayment)
    if audit is not None:
        audit.object_id = str(repayment.pk)
    for allocation, pk in zip(allocations, allocation_ids or [], strict=False):
        allocation.pk = pk
        allocation.repayment = repayment
