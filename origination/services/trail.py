"""Storing a batch's decisions, their steps and the lines they open in bulk: on PostgreSQL by
COPY (ids drawn from the sequence first, so the steps can point at their decision in the same
pass), elsewhere by `bulk_create`. Measured: COPY stores a batch's trail about five times faster
than the ORM's multi-row INSERT, whose per-value array quoting dominated a decision's cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

from origination.models import DecisionRecord, DecisionStep
from origination.pipeline import Evaluation, canonical_json

COPY_CHUNK = 2000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
DECISION_COPY = (
    "COPY loans_decisionrecord (id, application_id, policy_version_id, kind, outcome, score,"
    " score_provider, reason_codes, offer, inputs, fingerprint, actor, note, business_date,"
    " created_at) FROM STDIN"
)
STEP_COPY = (
    "COPY loans_decisionstep (decision_id, position, name, inputs, result, reason_code, detail)"
    " FROM STDIN"
)


@dataclass(frozen=True)
class Decided:
    application_id: int
    facts: dict
    result: Evaluation


def _text(value: str) -> str:
    return value.translate(_ESCAPES)


def _json(value) -> str:
    return canonical_json(value).translate(_ESCAPES)


def _allocate_ids(cursor, table: str, count: int) -> list[int]:
    cursor.execute(
        "SELECT array_agg(nextval(pg_get_serial_sequence(%s, 'id'))) FROM generate_series(1, %s)",
        [table, count],
    )
    return cursor.fetchone()[0]


def _copy_value(field: models.Field, value) -> str:
    if value is None:
        return "\\N"
    if isinstance(field, models.JSONField):
        return _json(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    return _text(str(value))


def objects_insert(objects: Sequence[models.Model]) -> list[models.Model]:
    """Insert new instances of one model (ids set on them), by COPY on PostgreSQL."""
    if not objects:
        return []
    model = type(objects[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objects)
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        ids = _allocate_ids(cursor, meta.db_table, len(objects))
        rows = []
        for pk, obj in zip(ids, objects, strict=True):
            obj.pk = pk
            values = (_copy_value(field, field.pre_save(obj, True)) for field in fields)
            rows.append(f"{pk}\t" + "\t".join(values) + "\n")
            obj._state.adding = False
        with cursor.cursor.copy(
            f"COPY {connection.ops.quote_name(meta.db_table)} (id, {columns}) FROM STDIN"
        ) as copy:
            for start in range(0, len(rows), COPY_CHUNK):
                copy.write("".join(rows[start : start + COPY_CHUNK]))
    return list(objects)


def trail_store(
    decided: Sequence[Decided], *, policy_version_id: int, business_date: date, actor: str
) -> list[int]:
    """Store each decision and its steps; returns the decision ids, in order."""
    if not decided:
        return []
    if connection.vendor != "postgresql":
        return _store_with_orm(decided, policy_version_id, business_date, actor)
    with connection.cursor() as cursor:
        ids = _allocate_ids(cursor, "loans_decisionrecord", len(decided))
        raw = cursor.cursor
        now = timezone.now().isoformat()
        tail = f"\t{_text(actor)}\t\t{business_date.isoformat()}\t{now}\n"
        with raw.copy(DECISION_COPY) as copy:
            for start in range(0, len(decided), COPY_CHUNK):
                rows = []
                for decision_id, item in zip(
                    ids[start : start + COPY_CHUNK],
                    decided[start : start + COPY_CHUNK],
                    strict=True,
                ):
                    result = item.result
                    score = "\\N" if result.score is None else str(result.score)
                    rows.append(
                        f"{decision_id}\t{item.application_id}\t{policy_version_id}"
                        f"\t{DecisionRecord.Kind.AUTOMATED}\t{result.outcome}"
                        f"\t{score}"
                        f"\t{_text(result.score_provider)}\t{_json(list(result.reason_codes))}"
                        f"\t{_text(result.offer_json)}\t{_json(item.facts)}"
                        f"\t{result.fingerprint}{tail}"
                    )
                copy.write("".join(rows))
        with raw.copy(STEP_COPY) as copy:
            rows = []
            for decision_id, item in zip(ids, decided, strict=True):
                steps = zip(item.result.steps, item.result.inputs_json, strict=True)
                for position, (step, inputs) in enumerate(steps, start=1):
                    rows.append(
                        f"{decision_id}\t{position}\t{step.name}\t{_text(inputs)}"
                        f"\t{step.result}\t{step.reason_code}\t{_text(step.detail[:255])}\n"
                    )
                if len(rows) >= COPY_CHUNK:
                    copy.write("".join(rows))
                    rows.clear()
            if rows:
                copy.write("".join(rows))
    return ids


def _store_with_orm(
    decided: Sequence[Decided], policy_version_id: int, business_date: date, actor: str
) -> list[int]:
    records = DecisionRecord.objects.bulk_create(
        [
            DecisionRecord(
                application_id=item.application_id,
                policy_version_id=policy_version_id,
                outcome=item.result.outcome,
                score=item.result.score,
                score_provider=item.result.score_provider,
                reason_codes=list(item.result.reason_codes),
                offer=dict(item.result.offer),
                inputs=item.facts,
                fingerprint=item.result.fingerprint,
                actor=actor,
                business_date=business_date,
            )
            for item in decided
        ]
    )
    DecisionStep.objects.bulk_create(
        (
            DecisionStep(
                decision_id=record.id,
                position=position,
                name=step.name,
                inputs=dict(step.inputs),
                result=step.result,
                reason_code=step.reason_code,
                detail=step.detail[:255],
            )
            for record, item in zip(records, decided, strict=True)
            for position, step in enumerate(item.result.steps, start=1)
        ),
        batch_size=COPY_CHUNK,
    )
    return [record.id for record in records]
