"""`fields_altered_together` changes what migrating costs, never what it builds: the state after
a run of field alterations applied together is the state after applying them one by one, and the
database sees each alteration as it would have."""

import pytest
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader

from core.migration_ops import AlterFieldsTogether, fields_altered_together

VERBOSE_NAMES = ("loans", "0026_verbose_names_translated")


@pytest.mark.django_db
@pytest.mark.slow
def test_the_loans_verbose_names_applied_together_build_the_state_applying_them_one_by_one_builds():
    loader = MigrationLoader(connection)
    migration = loader.graph.nodes[VERBOSE_NAMES]
    together = [op for op in migration.operations if isinstance(op, AlterFieldsTogether)]
    assert together and sum(len(op.operations) for op in together) > 300

    one_by_one = loader.project_state(
        [parent.key for parent in loader.graph.node_map[VERBOSE_NAMES].parents]
    )
    assert one_by_one.apps  # rendered before cloning: re-rendering is what differs
    in_one_step = one_by_one.clone()
    for operation in migration.operations:
        for step in getattr(operation, "operations", [operation]):
            step.state_forwards("loans", one_by_one)
        operation.state_forwards("loans", in_one_step)

    assert in_one_step == one_by_one
    for app_label, name in one_by_one.models:
        fields = [
            [
                (f.name, str(f.verbose_name))
                for f in state.apps.get_model(app_label, name)._meta.fields
            ]
            for state in (one_by_one, in_one_step)
        ]
        assert fields[0] == fields[1]
    installment = in_one_step.apps.get_model("loans", "Installment")
    assert installment._meta.get_field("due_date").verbose_name == "due date"


def test_runs_of_alter_fields_are_grouped_and_everything_else_keeps_its_place():
    alter = [
        migrations.AlterField("loan", f"f{i}", models.IntegerField(verbose_name=f"f {i}"))
        for i in range(3)
    ]
    options = migrations.AlterModelOptions("loan", {"verbose_name": "loan"})
    kept_default_off = migrations.AlterField(
        "loan", "g", models.IntegerField(default=1), preserve_default=False
    )
    grouped = fields_altered_together([options, *alter[:2], kept_default_off, alter[2]])
    assert [type(op) for op in grouped] == [
        migrations.AlterModelOptions,
        AlterFieldsTogether,
        migrations.AlterField,
        migrations.AlterField,
    ]
    assert grouped[1].operations == alter[:2]
    with pytest.raises(ValueError):
        AlterFieldsTogether([kept_default_off])


@pytest.mark.django_db
def test_a_relabelling_run_asks_the_database_for_nothing_and_a_column_change_still_reaches_it():
    loader = MigrationLoader(connection)
    before = loader.project_state(
        [parent.key for parent in loader.graph.node_map[VERBOSE_NAMES].parents]
    )
    relabel = AlterFieldsTogether(
        [
            migrations.AlterField(
                "installment", "due_date", models.DateField(verbose_name="due on")
            ),
            migrations.AlterField(
                "installment", "number", models.PositiveSmallIntegerField(verbose_name="no.")
            ),
        ]
    )
    widen = AlterFieldsTogether(
        [
            migrations.AlterField(
                "installment", "due_date", models.DateField(verbose_name="due on")
            ),
            migrations.AlterField("installment", "number", models.IntegerField(verbose_name="no.")),
        ]
    )
    for operation, expected in ((relabel, 0), (widen, 1)):
        after = before.clone()
        operation.state_forwards("loans", after)
        with connection.schema_editor(collect_sql=True) as editor:
            operation.database_forwards("loans", editor, before, after)
        altered = [sql for sql in editor.collected_sql if "ALTER COLUMN" in sql]
        assert len(altered) == expected, editor.collected_sql
