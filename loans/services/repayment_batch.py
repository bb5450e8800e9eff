"""A batch's repayments, written once at its end.

A repayment writes its changed installments, its row, its audit event and its allocations in
one statement (`loan_io.repayment_insert`). A gateway's callback of many repayments, each on
a loan of its own that the batch locked and read ahead (`loan_io.loans_locked_for_payments`),
writes them all in one statement instead: each repayment takes the id drawn for its loan with
the lock, so everything that refers to it (its audit event, its allocations, its domain event)
is complete at once, and its rows are kept (`RepaymentBatch`) until the batch writes them before
it commits.

Nothing may read a kept loan's installments, repayments or allocations before the write; the
reads a payment could make (the loan locked again, its rows, its repayments by key or date,
a settlement's count) write what is pending for the loan first (`repayments_written`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache

from django.db import connection
from django.utils import timezone

from core.db import fetch_prepared, kept_until_written
from core.models import AuditEvent
from loans.models import Allocation, Installment, Repayment
from loans.raw_instances import mark_inserted

from .loan_io import (
    AUDIT_COLUMNS,
    REPAYMENT_COLUMNS,
    installment_records,
    installments_update_sql,
    loans_locked_for_payments,
    repayment_insert,
)
from .repayment_pending import KEPT

ALLOCATION_COLUMNS = (
    ("repayment_id", "bigint"),
    ("installment_id", "bigint"),
    ("component", "text"),
    ("amount", "numeric"),
    ("recognized", "numeric"),
    ("generation", "integer"),
)


def _record(model, names: Sequence[str], extra: Sequence[tuple[str, str]] = ()) -> str:
    types = {field.attname: field.db_type(connection) for field in model._meta.concrete_fields}
    return ", ".join(
        [*(f"{name} {types[name]}" for name in names), *(f"{n} {t}" for n, t in extra)]
    )


@lru_cache(maxsize=1)
def _write_sql() -> str:
    repayment_names = ", ".join(REPAYMENT_COLUMNS)
    audit_names = ", ".join(AUDIT_COLUMNS)
    allocation_names = ", ".join(name for name, _ in ALLOCATION_COLUMNS)
    allocation_record = ", ".join(f"{name} {kind}" for name, kind in ALLOCATION_COLUMNS)
    return (
        f"WITH u AS ({installments_update_sql()}),"
        f" r AS (INSERT INTO {Repayment._meta.db_table} (id, {repayment_names})"
        f" SELECT id, {repayment_names} FROM jsonb_to_recordset(%s::jsonb)"
        f" AS v(id bigint, {_record(Repayment, REPAYMENT_COLUMNS)}) RETURNING 1),"
        f" e AS (INSERT INTO {AuditEvent._meta.db_table} ({audit_names}, object_id)"
        f" SELECT {audit_names}, object_id FROM jsonb_to_recordset(%s::jsonb)"
        f" AS v({_record(AuditEvent, AUDIT_COLUMNS, [('object_id', 'text')])}) RETURNING 1),"
        f" a AS (INSERT INTO {Allocation._meta.db_table} ({allocation_names}, active)"
        f" SELECT {allocation_names}, true FROM jsonb_to_recordset(%s::jsonb)"
        f" AS v({allocation_record}) RETURNING 1)"
        " SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM r)"
    )


class RepaymentBatch:
    """The repayments a batch applied and has not written yet, and the ids drawn for the ones
    still to come (loan id → repayment id)."""

    def __init__(self, ids: Mapping[int, int]) -> None:
        self._ids = dict(ids)
        self._loans: set[int] = set()
        self._rows: dict[int, Installment] = {}
        self._repayments: list[dict] = []
        self._audits: list[dict] = []
        self._allocations: list[dict] = []

    def keep(
        self,
        repayment: Repayment,
        allocations: Sequence[Allocation],
        rows: Sequence[Installment],
        audit: AuditEvent | None,
    ) -> bool:
        """Keep a new repayment for the write, with its id set now; False (nothing kept) if no
        id was drawn for its loan, or it was used."""
        repayment_id = self._ids.pop(repayment.loan_id, None)
        if repayment_id is None:
            return False
        repayment.pk = repayment_id
        repayment.created_at = timezone.now()
        mark_inserted(repayment)
        self._loans.add(repayment.loan_id)
        for row in rows:
            self._rows[row.pk] = row
        self._repayments.append(
            {"id": repayment_id, **{name: getattr(repayment, name) for name in REPAYMENT_COLUMNS}}
        )
        if audit is not None:
            audit.created_at = repayment.created_at
            audit.object_id = str(repayment_id)
            self._audits.append(
                {"object_id": audit.object_id, **{n: getattr(audit, n) for n in AUDIT_COLUMNS}}
            )
        for allocation in allocations:
            allocation.repayment = repayment
            self._allocations.append(
                {
                    "repayment_id": repayment_id,
                    "installment_id": allocation.installment_id,
                    "component": allocation.component,
                    "amount": allocation.amount,
                    "recognized": allocation.recognized,
                    "generation": allocation.generation,
                }
            )
        return True

    def pending_for(self, loan_id: int) -> bool:
        return loan_id in self._loans

    def statements(self) -> list[tuple[str, list[str]]]:
        """The write of everything kept, as (SQL, parameters) (none if nothing is kept), for
        the caller to run (pipelined with the batch's other writes, if it likes), and forget
        it."""
        if not self._repayments:
            return []
        rows = installment_records(self._rows.values())
        params = [
            json.dumps(items, default=str)
            for items in (rows, self._repayments, self._audits, self._allocations)
        ]
        self._loans.clear()
        self._rows, self._repayments, self._audits, self._allocations = {}, [], [], []
        return [(_write_sql(), params)]

    def flush(self) -> None:
        for statement in self.statements():
            fetch_prepared(*statement)


@contextmanager
def repayments_batched(keys: Mapping[int, str], *, keep: bool = True) -> Iterator[RepaymentBatch]:
    """Inside a transaction, for a batch of payments on several loans: the loans of `keys`
    locked and read ahead (`loan_io.loans_locked_for_payments`), and their new repayments kept
    for one write (`RepaymentBatch`: the caller runs its `statements`, or `flush`es it, before
    it commits; what is left is written when the block ends). ``keep=False``: read ahead only,
    each repayment written as it is made (a caller that rolls single payments back to
    savepoints: a kept repayment would outlive its savepoint)."""
    with (
        loans_locked_for_payments(keys) as repayment_ids,
        kept_until_written(KEPT, RepaymentBatch(repayment_ids if keep else {})) as batch,
    ):
        yield batch


def repayment_write(
    repayment: Repayment,
    allocations: Sequence[Allocation],
    *,
    rows: Sequence[Installment] = (),
    audit: AuditEvent | None = None,
) -> None:
    """Insert a new repayment with its rows, allocations and audit event (`repayment_insert`),
    or keep it for its batch's write when the batch drew an id for its loan."""
    batch = KEPT.get()
    if not isinstance(batch, RepaymentBatch) or not batch.keep(repayment, allocations, rows, audit):
        repayment_insert(repayment, allocations, rows=rows, audit=audit)
