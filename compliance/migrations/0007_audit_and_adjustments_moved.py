"""The audit trail leaves for `core` and adjustments for `loans`; their tables stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0006_report_schedule"),
        ("core", "0001_initial"),
        ("loans", "0010_house_moves"),
    ]

    operations = [
        # The tables stay where they are (same names, same rows): only Django's state moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='auditevent',
                    name='actor',
                ),
                migrations.DeleteModel(
                    name='AdjustmentRequest',
                ),
                migrations.DeleteModel(
                    name='AuditEvent',
                ),
            ],
            database_operations=[],
        ),
    ]
