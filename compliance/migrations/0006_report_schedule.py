"""The beat schedule of the reports: every 15 minutes (editable in the admin under Periodic
tasks), produce whatever is due for the last closed business date and not produced yet — the
daily reports after each close, the month's capture and monthly reports on the first business
day of a month. Also grants the report permission to the auditor and viewer groups."""

from django.conf import settings
from django.db import migrations

NAME = "Regulatory reports after the close"
TASK = "compliance.tasks.produce_due_reports"
GROUPS = ("auditor", "viewer")


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*/15",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "enabled": True,
            "description": "Aging and classification after every close; on the first business "
            "day of a month, the month-end capture, roll rates, vintages, rate-cap conformance, "
            "collection conduct, income and the credit-bureau file. Files kept with SHA-256.",
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=NAME, task=TASK
    ).delete()


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; this migration needs its own now.
    app_config = apps.get_app_config("compliance")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="compliance", codename="view_reports"
    ).first()
    if permission is None:
        return
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0005_reports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_schedule, remove_schedule),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
