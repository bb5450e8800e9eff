"""A batch's entries, posted together: numbered when posted, written once at the batch's end.

`entry_post` is one database call an entry, and each call runs the ledger's checks (the
statement triggers of migrations 0002–0005: lines balanced, accounts in the entry's currency,
every entry with lines, the stored loan balances) for that entry alone. A batch that posts an
entry on each of many loans (a gateway's callback of many repayments) can instead post them
inside `entries_deferred`: each entry is validated and hashed as `entry_post` does and takes
its id at once (ids are drawn from the entries' sequence a block at a time), and all of them
are inserted before the block ends — entries, then lines, two statements in one round trip —
so the triggers check the batch once. The invariants are the same; what changes is *when* the
database sees the entries:

- Only entries on the loans the batch names are deferred (every line on one of them, or on no
  loan). Nothing else in the transaction may read those loans' ledger rows before the flush:
  the ledger's own reads (`loan_balances`, `entry_reverse`) and the loans' suspense read
  (`entries_written`) write what is pending first.
- A key posted twice in the batch returns the first entry (or is refused, content differing),
  as `entry_post` would. A key already in the database fails the flush, like any refusal
  there (a closed period, an archived month): the caller rolls its transaction back and
  posts again without deferring, where `entry_post` answers as it always does.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from core.db import fetch_pipelined, fetch_prepared, kept_until_written, pipelines_supported

from .errors import IdempotencyConflict
from .specs import EntrySpec, PostingResult, Prepared

ENTRY_COLUMNS = (
    ("id", "bigint"),
    ("business_date", "date"),
    ("value_date", "date"),
    ("kind", "text"),
    ("memo", "text"),
    ("currency", "text"),
    ("idempotency_key", "text"),
    ("content_hash", "text"),
    ("created_by", "text"),
)
LINE_COLUMNS = (
    ("entry_id", "bigint"),
    ("account_id", "bigint"),
    ("loan_id", "bigint"),
    ("debit", "numeric"),
    ("credit", "numeric"),
    ("currency", "text"),
    ("business_date", "date"),
)


def _insert_sql(table: str, columns: tuple[tuple[str, str], ...], extra: str = "") -> str:
    names = ", ".join(name for name, _ in columns)
    record = ", ".join(f"{name} {kind}" for name, kind in columns)
    tail = ", created_at" if extra else ""
    return (
        f"INSERT INTO {table} ({names}{tail}) SELECT {names}{extra}"
        f" FROM jsonb_to_recordset(%s::jsonb) AS v({record}) RETURNING 1"
    )


ENTRIES_SQL = _insert_sql("ledger_journalentry", ENTRY_COLUMNS, ", now()")
LINES_SQL = _insert_sql("ledger_journalline", LINE_COLUMNS)
# The sequence resolved once (materialized), not per row: for a bulk posting's many ids that
# would cost several times the drawing.
IDS_SQL = (
    "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('ledger_journalentry', 'id')::regclass"
    " AS id) SELECT array_agg(nextval(s.id)) FROM s, generate_series(1, %s)"
)


def entry_ids_allocate(count: int) -> list[int]:
    """`count` new entry ids from the entries' sequence, in one statement (PostgreSQL)."""
    return fetch_prepared(IDS_SQL, [count], one=True)[0]


class DeferredEntries:
    """The entries a batch posted and has not written yet."""

    def __init__(self, loan_ids: Collection[int]) -> None:
        self.loan_ids = frozenset(loan_ids)
        self._ids: list[int] = []
        self._pending: list[tuple[int, Prepared, str]] = []
        self._by_key: dict[str, tuple[int, str]] = {}
        self._loans_pending: set[int] = set()

    def accepts(self, spec: EntrySpec) -> bool:
        """An entry on the batch's loans only (a reversal reads its original: never)."""
        if spec.reverses_id is not None:
            return False
        loans = {line.loan_id for line in spec.lines if line.loan_id is not None}
        return bool(loans) and loans <= self.loan_ids

    def post(self, prepared: Prepared, actor: str) -> PostingResult:
        key = prepared.spec.idempotency_key
        seen = self._by_key.get(key)
        if seen is not None:
            if seen[1] != prepared.content_hash:
                raise IdempotencyConflict(
                    f"Idempotency key {key!r} was already used for a different entry."
                )
            return PostingResult(entry_id=seen[0], created=False)
        if not self._ids:
            self._ids = entry_ids_allocate(max(len(self.loan_ids), 1))
        entry_id = self._ids.pop(0)
        self._pending.append((entry_id, prepared, actor))
        self._by_key[key] = (entry_id, prepared.content_hash)
        self._loans_pending.update(
            line.loan_id for line in prepared.spec.lines if line.loan_id is not None
        )
        return PostingResult(entry_id=entry_id, created=True)

    def pending_for(self, loan_id: int | None) -> bool:
        return bool(self._pending) and (loan_id is None or loan_id in self._loans_pending)

    def flush(self) -> None:
        """Insert the pending entries and their lines (two statements, one round trip); the
        database's refusal raises here, for the caller's transaction to roll back."""
        statements = self.statements()
        if statements:
            fetch_pipelined(statements)

    def statements(self) -> list[tuple[str, list[str]]]:
        """The inserts of the pending entries and of their lines, as (SQL, parameters), for
        the caller to run in this order (pipelined with its other writes, if it likes), and
        forget them."""
        pending, self._pending = self._pending, []
        self._loans_pending.clear()
        if not pending:
            return []
        entries, lines = [], []
        for entry_id, prepared, actor in pending:
            spec = prepared.spec
            entries.append(
                {
                    "id": entry_id,
                    "business_date": spec.business_date,
                    "value_date": spec.value_date or spec.business_date,
                    "kind": spec.kind,
                    "memo": spec.memo,
                    "currency": spec.currency,
                    "idempotency_key": spec.idempotency_key,
                    "content_hash": prepared.content_hash,
                    "created_by": actor,
                }
            )
            for line, account_id in zip(spec.lines, prepared.account_ids, strict=True):
                lines.append(
                    {
                        "entry_id": entry_id,
                        "account_id": account_id,
                        "loan_id": line.loan_id,
                        "debit": line.debit,
                        "credit": line.credit,
                        "currency": spec.currency,
                        "business_date": spec.business_date,
                    }
                )
        return [
            (ENTRIES_SQL, [json.dumps(entries, default=str)]),
            (LINES_SQL, [json.dumps(lines, default=str)]),
        ]


_DEFERRED: ContextVar[DeferredEntries | None] = ContextVar("ledger_deferred", default=None)


@contextmanager
def entries_deferred(loan_ids: Collection[int]) -> Iterator[DeferredEntries]:
    """Inside the caller's transaction: entries `entry_post` is given on `loan_ids` are written
    together, at `flush` or when the block ends (see the module docstring). PostgreSQL with
    pipelines only: elsewhere, and with no loans, every entry is posted at once."""
    deferred = DeferredEntries(loan_ids if pipelines_supported() else ())
    with kept_until_written(_DEFERRED, deferred):
        yield deferred


def deferred_for(spec: EntrySpec) -> DeferredEntries | None:
    """The batch that defers this entry, if one does."""
    deferred = _DEFERRED.get()
    return deferred if deferred is not None and deferred.accepts(spec) else None


def entries_written(loan_id: int | None = None) -> None:
    """Before reading a loan's ledger rows (any loan's, with None) inside a deferring batch:
    write what the batch holds for it."""
    deferred = _DEFERRED.get()
    if deferred is not None and deferred.pending_for(loan_id):
        deferred.flush()
