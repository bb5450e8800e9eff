"""Maker-checker adjustments move here from `compliance` (they change balances, which compliance
must not); idempotency records leave for `core` and origination's models for `origination`.
No table changes."""

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
    ("compliance", "loans", "adjustmentrequest"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0009_repayment_recovery_source"),
        ("core", "0001_initial"),
        ("origination", "0001_initial"),
        ("compliance", "0006_report_schedule"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables stay where they are (same names, same rows): only Django's state moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AdjustmentRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('waive_fee', 'Waive fees'), ('waive_penalty', 'Waive penalty interest'), ('correct_repayment', 'Correct a repayment'), ('write_off', 'Write off the loan')], max_length=24)),
                        ('amount', models.DecimalField(blank=True, decimal_places=2, help_text='Waivers: the amount to waive. Corrections: the amount the repayment should have been (0 to cancel it). Write-offs: empty (everything open).', max_digits=20, null=True)),
                        ('repayment_id', models.BigIntegerField(blank=True, help_text='Corrections: the repayment to correct.', null=True)),
                        ('reason', models.TextField()),
                        ('status', models.CharField(choices=[('pending', 'Pending approval'), ('applied', 'Approved and applied'), ('rejected', 'Rejected')], default='pending', max_length=12)),
                        ('requested_at', models.DateTimeField(auto_now_add=True)),
                        ('business_date', models.DateField(help_text='The business date it was requested on.')),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('decision_note', models.CharField(blank=True, max_length=255)),
                        ('result', models.JSONField(blank=True, default=dict, help_text='What applying it posted.')),
                        ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='adjustments_decided', to=settings.AUTH_USER_MODEL)),
                        ('loan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='adjustments', to='loans.loan')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='adjustments_requested', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'compliance_adjustmentrequest',
                        'ordering': ['-requested_at', '-id'],
                        'permissions': [('approve_adjustmentrequest', "Can approve or reject another user's adjustment")],
                    },
                ),
                migrations.DeleteModel(
                    name='BlockListEntry',
                ),
                migrations.RemoveField(
                    model_name='creditlimitchange',
                    name='line',
                ),
                migrations.RemoveField(
                    model_name='creditline',
                    name='application',
                ),
                migrations.RemoveField(
                    model_name='creditline',
                    name='borrower',
                ),
                migrations.RemoveField(
                    model_name='creditline',
                    name='policy_version',
                ),
                migrations.RemoveField(
                    model_name='creditline',
                    name='product',
                ),
                migrations.RemoveField(
                    model_name='drawdown',
                    name='line',
                ),
                migrations.RemoveField(
                    model_name='decisionrecord',
                    name='application',
                ),
                migrations.RemoveField(
                    model_name='decisionrecord',
                    name='policy_version',
                ),
                migrations.RemoveField(
                    model_name='decisionstep',
                    name='decision',
                ),
                migrations.RemoveField(
                    model_name='drawdown',
                    name='loan',
                ),
                migrations.RemoveField(
                    model_name='drawdown',
                    name='merchant',
                ),
                migrations.RemoveField(
                    model_name='idempotencyrecord',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='loanapplication',
                    name='borrower',
                ),
                migrations.RemoveField(
                    model_name='loanapplication',
                    name='product',
                ),
                migrations.DeleteModel(
                    name='CreditLimitChange',
                ),
                migrations.DeleteModel(
                    name='CreditLine',
                ),
                migrations.DeleteModel(
                    name='PolicyVersion',
                ),
                migrations.DeleteModel(
                    name='DecisionRecord',
                ),
                migrations.DeleteModel(
                    name='DecisionStep',
                ),
                migrations.DeleteModel(
                    name='Drawdown',
                ),
                migrations.DeleteModel(
                    name='Merchant',
                ),
                migrations.DeleteModel(
                    name='IdempotencyRecord',
                ),
                migrations.DeleteModel(
                    name='LoanApplication',
                ),
                migrations.AddConstraint(
                    model_name='adjustmentrequest',
                    constraint=models.CheckConstraint(condition=models.Q(('decided_by__isnull', True), models.Q(('decided_by', models.F('requested_by')), _negated=True), _connector='OR'), name='adjustment_checker_not_maker'),
                ),
                migrations.AddConstraint(
                    model_name='adjustmentrequest',
                    constraint=models.CheckConstraint(condition=models.Q(('status', 'pending'), ('decided_by__isnull', False), _connector='OR'), name='adjustment_decided_has_checker'),
                ),
            ],
            database_operations=[],
        ),
        _move_content_types(MOVES),
    ]
