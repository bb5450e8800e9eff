"""The audit trail and the API's idempotency records move to `core` (from `compliance` and
`loans`), keeping their tables: `compliance_auditevent`, `loans_idempotencyrecord`."""

import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _move_content_types(moves):
    """Content types follow their models to the new app, so permissions, groups and admin log
    entries stay attached. A content type the new app already has (created by a migrate that ran
    before this one) gives way to the old one, which is what groups and log entries point to."""

    def forwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for old_label, new_label, model in moves:
            _move(ContentType, old_label, new_label, model)

    def backwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for old_label, new_label, model in moves:
            _move(ContentType, new_label, old_label, model)

    return migrations.RunPython(forwards, backwards)


def _move(ContentType, old_label, new_label, model):
    old = ContentType.objects.filter(app_label=old_label, model=model).first()
    if old is None:
        return
    ContentType.objects.filter(app_label=new_label, model=model).delete()
    old.app_label = new_label
    old.save(update_fields=["app_label"])


MOVES = [
    ("loans", "core", "idempotencyrecord"),
    ("compliance", "core", "auditevent"),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("loans", "0009_repayment_recovery_source"),
        ("compliance", "0006_report_schedule"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables stay where they are (same names, same rows): only Django's state moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('actor_username', models.CharField(help_text='As it was when the action was taken.', max_length=150)),
                        ('action', models.CharField(db_index=True, help_text='e.g. loan.approve', max_length=64)),
                        ('object_type', models.CharField(help_text='app_label.model', max_length=100)),
                        ('object_id', models.CharField(blank=True, max_length=64)),
                        ('object_repr', models.CharField(blank=True, max_length=200)),
                        ('before', models.JSONField(blank=True, null=True)),
                        ('after', models.JSONField(blank=True, null=True)),
                        ('reason', models.CharField(blank=True, max_length=255)),
                        ('source', models.CharField(default='admin', help_text='admin, api or command', max_length=16)),
                        ('business_date', models.DateField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_events', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'compliance_auditevent',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['object_type', 'object_id'], name='audit_object_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='IdempotencyRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=255)),
                        ('method', models.CharField(max_length=8)),
                        ('path', models.CharField(max_length=255)),
                        ('request_hash', models.CharField(max_length=64)),
                        ('status_code', models.PositiveSmallIntegerField()),
                        ('response_body', models.JSONField(default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='idempotency_records', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'loans_idempotencyrecord',
                        'constraints': [models.UniqueConstraint(fields=('user', 'key'), name='idempotency_user_key_uniq')],
                    },
                ),
            ],
            database_operations=[],
        ),
        _move_content_types(MOVES),
    ]
