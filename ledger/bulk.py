"""Bulk posting for batch jobs: thousands of entries in one transaction, same invariants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import psycopg
from django.db import IntegrityError, connection, transaction

from core.batch import cyclic_gc_paused

from .accounts import load_accounts
from .deferred import entry_ids_allocate
from .errors import IdempotencyConflict, archived_month_refusal, closed_period_refusal
from .partitions import partition_tables
from .periods import closed_periods_forget, specs_in_open_periods
from .posting_orm import post_with_orm
from .specs import BulkPostingResult, EntrySpec, Prepared, prepare

COPY_CHUNK = 20_000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def posting_uses_database_functions() -> bool:
    from django.conf import settings

    backend = settings.LEDGER_POSTING_BACKEND
    if backend == "auto":
        return connection.vendor == "postgresql"
    return backend == "postgresql"


def entries_post_bulk(*, specs: Sequence[EntrySpec], actor: str = "system") -> BulkPostingResult:
    """Post many entries in one transaction (the end-of-day close), same invariants as one;
    entries dated in a closed accounting period are booked in the open one (`ledger.periods`)."""
    with cyclic_gc_paused():  # collecting as it allocates cost a third of the posting time
        return _post_bulk(specs, actor)


def _post_bulk(specs: Sequence[EntrySpec], actor: str) -> BulkPostingResult:
    if not specs:
        return BulkPostingResult(created=0, existing=0)
    specs = specs_in_open_periods(specs)
    with transaction.atomic():
        if posting_uses_database_functions():
            try:
                return _post_staged(specs, actor)
            except (IntegrityError, psycopg.errors.IntegrityError) as exc:
                first = min(spec.business_date for spec in specs)
                refusal = archived_month_refusal(exc, first) or closed_period_refusal(exc, first)
                if refusal is None:
                    raise
                closed_periods_forget()
                raise refusal from exc
        created = existing = 0
        for item in _prepare_batch(specs):
            result = post_with_orm(item, actor)
            created += result.created
            existing += not result.created
        return BulkPostingResult(created=created, existing=existing)


def _prepare_batch(specs: Sequence[EntrySpec]) -> list[Prepared]:
    """Validate every entry; a key twice in one batch is kept once if the content agrees."""
    by_key: dict[str, Prepared] = {}
    for spec in specs:
        _add_unique(by_key, prepare(spec))
    return list(by_key.values())


def _prepare_in_copy(spec: EntrySpec) -> Prepared:
    return prepare(spec, reload_accounts=False)


def _add_unique(by_key: dict[str, Prepared], item: Prepared) -> bool:
    key = item.spec.idempotency_key
    seen = by_key.get(key)
    if seen is None:
        by_key[key] = item
        return True
    if seen.content_hash != item.content_hash:
        raise IdempotencyConflict(f"Idempotency key {key!r} appears twice with different content.")
    return False


def _post_staged(specs: Sequence[EntrySpec], actor: str) -> BulkPostingResult:
    """COPY entries and lines straight into their tables; the database triggers check them.

    Optimistic: a first run of a batch (the usual case) validates and streams entries to the
    server in chunks without looking keys up, so the server indexes one chunk while the next is
    validated. If a key exists already (a re-run, or a race with another worker), the batch is
    rolled back to its savepoint and posted again with the keys looked up: existing entries must
    match, and only the new ones are written.
    """
    try:
        with transaction.atomic():
            return _copy_entries(specs, actor, look_up_keys=False)
    except (IntegrityError, psycopg.errors.UniqueViolation) as exc:
        if "entry_idempotency_key_uniq" not in str(exc):
            raise
    with transaction.atomic():
        return _copy_entries(specs, actor, look_up_keys=True)


ENTRY_COPY = (
    "COPY ledger_journalentry (id, business_date, value_date, kind, memo, currency,"
    " idempotency_key, content_hash, reverses_id, created_at, created_by) FROM STDIN"
)
# Lines are copied into their month's partition where it exists (the parent otherwise, which
# routes them to the default partition): PostgreSQL copies into a partitioned table one row at a
# time when it has statement triggers with transition tables, as the ledger's has, but into a
# partition in batches; the partition's own triggers check the lines the same way.
LINE_COPY = (
    "COPY {table} (entry_id, account_id, loan_id, debit, credit, currency, business_date)"
    " FROM STDIN"
)


def _copy_entries(
    specs: Sequence[EntrySpec], actor: str, *, look_up_keys: bool
) -> BulkPostingResult:
    """Validate and COPY entries, then their lines, in text format, chunk by chunk (the server
    ingests one chunk while the next is formatted)."""
    from django.utils import timezone

    now = timezone.now().isoformat()
    actor_text = _copy_text(actor)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if look_up_keys:
            pending = _only_new(cursor, _prepare_batch(specs))
            if not pending:
                return BulkPostingResult(created=0, existing=len(specs))
            chunks = [pending[i : i + COPY_CHUNK] for i in range(0, len(pending), COPY_CHUNK)]
        else:
            chunks = None
        ids = entry_ids_allocate(len(pending) if look_up_keys else len(specs))
        posted: list[Prepared] = []
        by_key: dict[str, Prepared] = {}
        # No other query may run on this connection while a COPY is open.
        load_accounts()
        partitions = partition_tables()
        with raw.copy(ENTRY_COPY) as copy:
            for number, start in enumerate(range(0, len(specs), COPY_CHUNK)):
                if chunks is not None:
                    chunk = chunks[number] if number < len(chunks) else []
                else:
                    chunk = [
                        item
                        for item in map(_prepare_in_copy, specs[start : start + COPY_CHUNK])
                        if _add_unique(by_key, item)
                    ]
                rows = []
                for item in chunk:
                    spec = item.spec
                    rows.append(
                        f"{ids[len(posted)]}\t{spec.business_date}"
                        f"\t{spec.value_date or spec.business_date}"
                        f"\t{_copy_text(spec.kind)}\t{_copy_text(spec.memo)}\t{spec.currency}"
                        f"\t{_copy_text(spec.idempotency_key)}\t{item.content_hash}"
                        f"\t{_copy_null(spec.reverses_id)}\t{now}\t{actor_text}\n"
                    )
                    posted.append(item)
                if rows:
                    copy.write("".join(rows))
        for table, entries in _by_partition(zip(ids, posted, strict=False), partitions).items():
            _copy_lines(raw, table, entries)
    return BulkPostingResult(created=len(posted), existing=len(specs) - len(posted))


def _by_partition(entries, partitions: dict[date, str]) -> dict[str, list[tuple[int, Prepared]]]:
    """(entry id, entry) pairs grouped by the table their lines are copied into."""
    tables: dict[date, str] = {}
    out: dict[str, list[tuple[int, Prepared]]] = {}
    for entry_id, item in entries:
        day = item.spec.business_date
        table = tables.get(day)
        if table is None:
            table = tables[day] = partitions.get(day.replace(day=1), "ledger_journalline")
        out.setdefault(table, []).append((entry_id, item))
    return out


def _copy_lines(raw, table: str, entries: list[tuple[int, Prepared]]) -> None:
    with raw.copy(LINE_COPY.format(table=table)) as copy:
        rows = []
        for entry_id, item in entries:
            spec = item.spec
            tail = f"\t{spec.currency}\t{spec.business_date}\n"
            for line, account_id in zip(spec.lines, item.account_ids, strict=True):
                loan_id = "\\N" if line.loan_id is None else line.loan_id
                rows.append(
                    f"{entry_id}\t{account_id}\t{loan_id}\t{line.debit}\t{line.credit}{tail}"
                )
            if len(rows) >= COPY_CHUNK:
                copy.write("".join(rows))
                rows.clear()
        if rows:
            copy.write("".join(rows))


def _only_new(cursor, prepared: list[Prepared]) -> list[Prepared]:
    """The entries whose keys are not posted yet; a posted key must carry the same content."""
    cursor.execute(
        "SELECT idempotency_key, content_hash FROM ledger_journalentry"
        " WHERE idempotency_key = ANY(%s)",
        [[item.spec.idempotency_key for item in prepared]],
    )
    existing = dict(cursor.fetchall())
    for item in prepared:
        stored = existing.get(item.spec.idempotency_key)
        if stored is not None and stored != item.content_hash:
            raise IdempotencyConflict(
                f"Idempotency key {item.spec.idempotency_key!r} was already used for a "
                "different entry."
            )
    return [item for item in prepared if item.spec.idempotency_key not in existing]


def _copy_text(value: str) -> str:
    # Most values need no escaping, and checking is cheaper than translating.
    if value.isprintable() and "\\" not in value:
        return value
    return value.translate(_COPY_ESCAPES)


def _copy_null(value: int | None) -> str:
    return "\\N" if value is None else str(value)
