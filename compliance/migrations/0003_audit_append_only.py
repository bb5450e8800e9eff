"""The audit trail is append-only in PostgreSQL: no writer, ours or not, may change or delete an
audit event. (On SQLite, the demo, only the read-only admin keeps it so.)"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events cannot be changed or deleted'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_event_no_change ON compliance_auditevent;
CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON compliance_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_event_no_change ON compliance_auditevent;
DROP FUNCTION IF EXISTS audit_event_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_audit_trail")]

    operations = [migrations.RunPython(forwards, backwards)]
