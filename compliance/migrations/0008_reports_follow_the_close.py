"""The reports are produced by the close's `reports` step now, for each business date closed:
the beat entry that produced them on the wall clock goes."""

from django.db import migrations

NAME = "Regulatory reports after the close"
TASK = "compliance.tasks.produce_due_reports"


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=NAME, task=TASK
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("compliance", "0007_audit_and_adjustments_moved")]

    operations = [migrations.RunPython(remove_schedule, migrations.RunPython.noop)]
