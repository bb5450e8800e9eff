"""Contact attempts are evidence: on PostgreSQL a trigger refuses deleting one before its
`retain_until` date and changing what was decided about it (only the outcome may be filled in
later). Also schedules the due-action runner in Celery beat (every 10 minutes; edit it in the
admin)."""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION collection_attempt_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.retain_until >= current_date THEN
            RAISE EXCEPTION 'collection: contact attempt % is retained until %',
                OLD.id, OLD.retain_until USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.case_id IS DISTINCT FROM OLD.case_id
       OR NEW.channel IS DISTINCT FROM OLD.channel
       OR NEW.target IS DISTINCT FROM OLD.target
       OR NEW.purpose IS DISTINCT FROM OLD.purpose
       OR NEW.attempted_at IS DISTINCT FROM OLD.attempted_at
       OR NEW.allowed IS DISTINCT FROM OLD.allowed
       OR NEW.decision IS DISTINCT FROM OLD.decision
       OR NEW.blocked_by IS DISTINCT FROM OLD.blocked_by
       OR NEW.reason IS DISTINCT FROM OLD.reason
       OR NEW.deferred_until IS DISTINCT FROM OLD.deferred_until
       OR NEW.ruleset IS DISTINCT FROM OLD.ruleset
       OR NEW.message IS DISTINCT FROM OLD.message
       OR NEW.amount_demanded IS DISTINCT FROM OLD.amount_demanded
       OR NEW.agent_id IS DISTINCT FROM OLD.agent_id
       OR NEW.retain_until IS DISTINCT FROM OLD.retain_until THEN
        RAISE EXCEPTION 'collection: contact attempt % is a record; only its outcome may change',
            OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS collection_attempt_guard ON collection_contactattempt;
CREATE TRIGGER collection_attempt_guard
    BEFORE UPDATE OR DELETE ON collection_contactattempt
    FOR EACH ROW EXECUTE FUNCTION collection_attempt_guard();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS collection_attempt_guard ON collection_contactattempt;
DROP FUNCTION IF EXISTS collection_attempt_guard();
"""

TASK_NAME = "collection: execute due actions"


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(INSTALL)
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "collection.tasks.execute_due_actions", "interval": every},
    )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(UNINSTALL)
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0002_default_strategy"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(install, uninstall)]
