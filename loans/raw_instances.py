"""Model instances from raw rows without the ORM's per-field `__init__`: the one module that
uses Django's internals (`Model.__new__`, `ModelState`, `_state.fields_cache`).

Why: on the repayment path (`loan_io`), building a loan and its installments through
`Model.from_db`, which runs `__init__` field by field and sends the init signals, cost more than
the query that read them. An instance here is what `from_db` would make: the same attributes,
`_state.adding` false, `_state.db` the connection, JSON fields converted, a deferred field left
to load on first use, and the given relations cached as an assignment would cache them. No model
built here has `pre_init`/`post_init` receivers; the protected FSM field is loaded as `from_db`
loads it.

Only the models in `BUILT_MODELS` are built here, and `tests/lifecycle/test_raw_instances.py`
compares every field of each against an instance the ORM loaded, so a Django upgrade that
changes these internals breaks that test, not production.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from django.db import connection
from django.db.models import Model
from django.db.models.base import ModelState

from loans.models import Installment, Loan

BUILT_MODELS = (Loan, Installment)
DEFERRED = frozenset({"terms_snapshot"})
"""Read when needed only (a deferred field): the signed terms' full snapshot, sizeable JSON."""


def _fields(model: type[Model]) -> list:
    return [field for field in model._meta.concrete_fields if field.attname not in DEFERRED]


def model_columns(model: type[Model]) -> tuple[list[str], str]:
    """(attribute names, the SQL column list) to select for `instances_from_rows`, in order."""
    fields = _fields(model)
    return [field.attname for field in fields], ", ".join(f'"{field.column}"' for field in fields)


@lru_cache(maxsize=8)
def _converted(model: type[Model]) -> tuple[tuple[int, object], ...]:
    """Fields whose database values need converting (JSON), by position in the select."""
    return tuple(
        (index, field)
        for index, field in enumerate(_fields(model))
        if hasattr(field, "from_db_value")
    )


def instances_from_rows(
    model: type[Model],
    names: list[str],
    records: Iterable[tuple],
    *,
    related: Mapping[str, Model] | None = None,
) -> list:
    """Instances of `model` from rows selected with `model_columns(model)`, each with the
    `related` instances cached (``{"loan": loan}`` as ``row.loan = loan`` would)."""
    if model not in BUILT_MODELS:
        raise TypeError(f"{model.__name__} is not built from raw rows (see BUILT_MODELS).")
    converted = _converted(model)
    alias = connection.alias
    new = model.__new__
    instances = []
    for record in records:
        if converted:
            record = list(record)
            for index, field in converted:
                record[index] = field.from_db_value(record[index], None, connection)
        instance = new(model)
        values = instance.__dict__
        values.update(zip(names, record, strict=True))
        state = values["_state"] = ModelState()
        state.adding = False
        state.db = alias
        if related:
            state.fields_cache.update(related)
        instances.append(instance)
    return instances


def instance_from_row(model: type[Model], names: list[str], record: tuple):
    return instances_from_rows(model, names, [record])[0]


def mark_inserted(instance: Model) -> None:
    """An instance inserted by raw SQL is, for the ORM, one it saved (a later `save()`
    updates it rather than inserting it again)."""
    instance._state.adding = False
    instance._state.db = connection.alias
