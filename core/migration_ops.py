"""Migration operations that change what Django's migration state costs, never the schema.

A migration of hundreds of `AlterField`s that only relabel fields (the verbose names put under
translation) cost more to apply than every table it touches: Django re-renders a field's model,
and the models related to it, after each one. `fields_altered_together` applies a run of them
to the state in one step and re-renders each model once; the database sees each alteration as
before (Django's schema editor skips one that changes no column).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import migrations
from django.db.migrations.operations.base import Operation
from django.db.migrations.utils import field_is_referenced


class AlterFieldsTogether(Operation):
    """Several `AlterField`s (each keeping its default) with the models re-rendered once."""

    reduces_to_sql = False

    def __init__(self, operations: Sequence[migrations.AlterField]):
        for operation in operations:
            if not isinstance(operation, migrations.AlterField) or not operation.preserve_default:
                raise ValueError(f"Only AlterFields that keep their default: {operation!r}")
        self.operations = list(operations)

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.operations], {})

    def state_forwards(self, app_label, state):
        delayed, now = set(), set()
        for operation in self.operations:
            key = app_label, operation.model_name_lower
            fields = state.models[key].fields
            if state._relations is None:
                fields[operation.name] = operation.field
            else:  # as `ProjectState.alter_field` does it, field order included
                old = fields.pop(operation.name)
                if old.is_relation:
                    state.resolve_model_field_relations(key, operation.name, old)
                fields[operation.name] = operation.field
                if operation.field.is_relation:
                    state.resolve_model_field_relations(key, operation.name, operation.field)
            referenced = operation.field.is_relation or field_is_referenced(
                state, key, (operation.name, operation.field)
            )
            (now if referenced else delayed).add(key)
        state.reload_models(now, delay=False)
        state.reload_models(delayed - now, delay=True)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for operation in self.operations:
            operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for operation in reversed(self.operations):
            operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Alter {len(self.operations)} fields together"

    @property
    def migration_name_fragment(self):
        return "alter_fields_together"


def fields_altered_together(operations: Sequence[Operation]) -> list[Operation]:
    """`operations` with every run of consecutive `AlterField`s made one `AlterFieldsTogether`."""
    grouped: list[Operation] = []
    run: list[migrations.AlterField] = []
    for operation in [*operations, None]:
        if isinstance(operation, migrations.AlterField) and operation.preserve_default:
            run.append(operation)
            continue
        if run:
            grouped.append(AlterFieldsTogether(run) if len(run) > 1 else run[0])
            run = []
        if operation is not None:
            grouped.append(operation)
    return grouped
