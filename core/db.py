"""Database helpers every app may use: the transaction of an action (a money movement and its
audit row), set-based updates of many rows, hot statements run prepared, and big reads streamed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from functools import lru_cache

import psycopg
from django.db import connection, transaction
from django.db.models import Field, Model

_WHOLE_OR_NOTHING: ContextVar[bool] = ContextVar("whole_or_nothing", default=False)


def action_transaction(*, durable: bool = True) -> transaction.Atomic:
    """At a money-moving service's public entry the transaction is durable: the outermost one,
    so what the service returns is committed when it returns (Django raises if the caller holds
    a transaction already). A caller composing the action into a transaction it holds (the API's
    idempotency record, an approved adjustment) passes ``durable=False`` and must hold one; the
    action then runs under a savepoint of its own, unless the caller is `whole_or_nothing`."""
    if not durable and not connection.in_atomic_block:
        raise RuntimeError("durable=False composes an action into the caller's transaction.")
    return transaction.atomic(durable=durable, savepoint=not _WHOLE_OR_NOTHING.get())


@contextmanager
def whole_or_nothing() -> Iterator[None]:
    """Inside, inside a transaction: actions composed into it take no savepoint (two statements
    each, on a hot path), so an error in any of them leaves only the whole transaction to roll
    back. For a caller that rolls back on any error and, if it must, starts again with
    savepoints; not for one that catches an action's error and goes on."""
    if not connection.in_atomic_block:
        raise RuntimeError("whole_or_nothing composes actions into the caller's transaction.")
    token = _WHOLE_OR_NOTHING.set(True)
    try:
        yield
    finally:
        _WHOLE_OR_NOTHING.reset(token)


@contextmanager
def kept_until_written(var: ContextVar, kept, *, keeping: bool = True) -> Iterator:
    """Inside a caller's transaction, a batch's writes held back (`kept`: what `ledger.deferred`,
    `events.deferred` and `loans.services.repayment_batch` keep), found through `var` by the
    services that write (None there with ``keeping=False``). Leaving the block normally writes
    what is left (``kept.flush()``); an error leaves it to the transaction's rollback."""
    if not connection.in_atomic_block:
        raise RuntimeError("A batch's writes are kept inside the caller's transaction.")
    token = var.set(kept if keeping else None)
    try:
        yield kept
        kept.flush()
    finally:
        var.reset(token)


_PG_TYPES = {"numeric", "bigint", "integer", "text", "date", "boolean", "timestamptz"}


def rows_update(
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple],
    *,
    constants: Mapping[str, object] | None = None,
) -> int:
    """Set `columns` of many rows of `table` at once. Each row is (id, value, …) in the order of
    `columns`, given as (column, PostgreSQL type). On PostgreSQL one `UPDATE … FROM unnest(…)`,
    elsewhere (the SQLite demo) one prepared statement executed per row."""
    if not rows:
        return 0
    constants = dict(constants or {})
    names = [name for name, _ in columns]
    if connection.vendor == "postgresql":
        for _, sql_type in columns:
            if sql_type not in _PG_TYPES:
                raise ValueError(f"unsupported column type {sql_type}")
        assignments = [f"{name} = v.{name}" for name in names]
        assignments += [f"{name} = %s" for name in constants]
        arrays = ", ".join(["%s::bigint[]"] + [f"%s::{sql_type}[]" for _, sql_type in columns])
        sql = (
            f"UPDATE {table} AS t SET {', '.join(assignments)}"
            f" FROM unnest({arrays}) AS v(id, {', '.join(names)}) WHERE t.id = v.id"
        )
        params = [*constants.values(), *(list(values) for values in zip(*rows, strict=True))]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount
    assignments = [f"{name} = %s" for name in [*names, *constants]]
    sql = f"UPDATE {table} SET {', '.join(assignments)} WHERE id = %s"
    extra = list(constants.values())
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[*row[1:], *extra, row[0]] for row in rows])
    return len(rows)


def fetch_prepared(sql: str, params: Sequence[object] | Mapping[str, object], *, one: bool = False):
    """Run a hot statement as a prepared statement on PostgreSQL: parsed and planned once per
    connection rather than on every call, as Django's client-side binding would. It bypasses
    Django's cursor wrappers (query logging and counting); errors still come back as Django's
    (an `IntegrityError` on a unique violation). Preparation needs `prepare_threshold` set on
    the connection (`config.settings.base.database`); with it off it runs unprepared."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone() if one else cursor.fetchall()


@lru_cache(maxsize=64)
def _save_sql(model: type[Model], insert: bool) -> tuple[list[Field], str]:
    table = model._meta.db_table
    if insert:
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        columns = ", ".join(f'"{field.column}"' for field in fields)
        values = ", ".join(["%s"] * len(fields))
        return fields, f'INSERT INTO "{table}" ({columns}) VALUES ({values}) RETURNING "id"'
    fields = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and not getattr(field, "auto_now_add", False)
    ]
    columns = ", ".join(f'"{field.column}" = %s' for field in fields)
    return fields, f'UPDATE "{table}" SET {columns} WHERE "id" = %s RETURNING "id"'


def instance_values(instance: Model, fields: list[Field], add: bool) -> list[object]:
    """Each of `fields` of `instance` as the ORM would save it (``auto_now`` set now; with
    `add`, ``auto_now_add`` too)."""
    return [field.get_db_prep_save(field.pre_save(instance, add), connection) for field in fields]


def instance_insert_prepared(instance: Model) -> None:
    """``instance.save(force_insert=True)`` for a model with an auto ``id``, on PostgreSQL as
    one prepared statement (`fetch_prepared`): each field's value as the ORM would save it
    (``auto_now`` and ``auto_now_add`` set), no signals sent. For the hottest inserts only: the
    ORM compiling an INSERT costs more than the database running it. Elsewhere (the SQLite
    demo) the ORM's save."""
    if connection.vendor != "postgresql":
        instance.save(force_insert=True)
        return
    fields, sql = _save_sql(type(instance), True)
    instance.pk = fetch_prepared(sql, instance_values(instance, fields, True), one=True)[0]
    instance._state.adding = False
    instance._state.db = connection.alias


def instance_save_prepared(instance: Model) -> bool:
    """``instance.save()`` of a saved instance (every field but an ``auto_now_add`` one,
    ``auto_now`` set now), on PostgreSQL as one prepared statement, no signals sent; False if
    its row is gone. Elsewhere the ORM's ``save(force_update=True)``."""
    if connection.vendor != "postgresql":
        if not type(instance)._base_manager.filter(pk=instance.pk).exists():
            return False
        instance.save(force_update=True)
        return True
    fields, sql = _save_sql(type(instance), False)
    return bool(fetch_prepared(sql, [*instance_values(instance, fields, False), instance.pk]))


def fetch_pipelined(statements: Sequence[tuple[str, Sequence[object]]]) -> list[list[tuple]]:
    """Several hot statements, each prepared (`fetch_prepared`), sent in one round trip (a
    psycopg pipeline) and their rows returned in order. Each runs in its own snapshot, as
    separate queries would, and the server runs them in the order given. PostgreSQL only."""
    connection.ensure_connection()
    raw = connection.connection
    with connection.wrap_database_errors, raw.pipeline():
        cursors = [psycopg.Cursor(raw) for _ in statements]
        try:
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params, prepare=True)
            return [cursor.fetchall() for cursor in cursors]
        finally:
            for cursor in cursors:
                cursor.close()


def pipelines_supported() -> bool:
    return connection.vendor == "postgresql" and psycopg.Pipeline.is_supported()


def stream_pushed(
    sql: str,
    params: Sequence[object] | Mapping[str, object],
    *,
    rows: int = 2000,
    jit: bool = True,
) -> Iterator[tuple]:
    """Rows of a query as PostgreSQL sends them while it computes the rest (psycopg's chunked
    stream): the caller's work on these overlaps the server's on the next, where a server-side
    cursor would leave one idle while the other works. Memory holds `rows` rows at a time. No
    other statement may run on the connection until the last row is read, or until the reader
    stops early: the statement is then cancelled, and inside a transaction rolled back to a
    savepoint taken for it. ``jit=False`` turns JIT compilation off for it (where compiling a
    big plan costs more than it saves). PostgreSQL only."""
    connection.ensure_connection()
    if not jit:
        with connection.cursor() as settings_cursor:
            settings_cursor.execute("SET jit = off")
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    try:
        with guard, connection.wrap_database_errors, connection.connection.cursor() as cursor:
            yield from cursor.stream(sql, params, size=rows)
    finally:
        if not jit:
            with connection.cursor() as settings_cursor:
                settings_cursor.execute("RESET jit")
