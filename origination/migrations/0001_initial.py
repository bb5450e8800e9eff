"""Origination's models move out of `loans` into their own app, keeping their tables (`loans_*`)
and rows."""

import django.db.models.deletion
from decimal import Decimal
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
    ("loans", "origination", "policyversion"),
    ("loans", "origination", "merchant"),
    ("loans", "origination", "blocklistentry"),
    ("loans", "origination", "loanapplication"),
    ("loans", "origination", "decisionrecord"),
    ("loans", "origination", "decisionstep"),
    ("loans", "origination", "creditline"),
    ("loans", "origination", "creditlimitchange"),
    ("loans", "origination", "drawdown"),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("loans", "0009_repayment_recovery_source"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # The tables stay where they are (same names, same rows): only Django's state moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DecisionRecord',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('automated', 'Automated'), ('manual', 'Manual review')], default='automated', max_length=16)),
                        ('outcome', models.CharField(choices=[('approve', 'Approve'), ('refer', 'Refer to manual review'), ('decline', 'Decline')], max_length=16)),
                        ('score', models.IntegerField(blank=True, null=True)),
                        ('score_provider', models.CharField(blank=True, max_length=64)),
                        ('reason_codes', models.JSONField(default=list, help_text='Top reasons the borrower may be told.')),
                        ('offer', models.JSONField(blank=True, default=dict)),
                        ('inputs', models.JSONField(help_text='Every fact the pipeline read, as it read them.')),
                        ('fingerprint', models.CharField(max_length=64)),
                        ('actor', models.CharField(default='system', max_length=150)),
                        ('note', models.TextField(blank=True)),
                        ('business_date', models.DateField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'loans_decisionrecord',
                        'ordering': ['-id'],
                    },
                ),
                migrations.CreateModel(
                    name='Merchant',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40, unique=True)),
                        ('name', models.CharField(max_length=120)),
                        ('kind', models.CharField(choices=[('ecommerce', 'E-commerce (电商)'), ('education', 'Education (教育)'), ('car', 'Car (车)'), ('medical', 'Medical (医美)')], default='ecommerce', max_length=16)),
                        ('settlement_account_masked', models.CharField(blank=True, max_length=40)),
                        ('is_active', models.BooleanField(default=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'loans_merchant',
                        'ordering': ['code'],
                    },
                ),
                migrations.CreateModel(
                    name='BlockListEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('national_id', 'National ID'), ('mobile', 'Mobile phone'), ('device', 'Device')], max_length=16)),
                        ('value_digest', models.CharField(max_length=64)),
                        ('reason', models.CharField(max_length=255)),
                        ('added_on', models.DateField()),
                        ('added_by', models.CharField(default='system', max_length=150)),
                    ],
                    options={
                        'db_table': 'loans_blocklistentry',
                        'ordering': ['kind', 'id'],
                        'constraints': [models.UniqueConstraint(fields=('kind', 'value_digest'), name='block_list_uniq')],
                    },
                ),
                migrations.CreateModel(
                    name='CreditLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reference', models.CharField(max_length=40, unique=True)),
                        ('allowed_product_types', models.JSONField(default=list)),
                        ('currency', models.CharField(default='CNY', max_length=3)),
                        ('limit', models.DecimalField(decimal_places=2, max_digits=20)),
                        ('available_amount', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=20)),
                        ('revolving', models.BooleanField(default=True)),
                        ('secured', models.BooleanField(default=False)),
                        ('status', models.CharField(choices=[('active', 'Active'), ('frozen', 'Frozen'), ('closed', 'Closed')], default='active', max_length=8)),
                        ('freeze_reason', models.CharField(blank=True, max_length=32)),
                        ('pricing_band', models.CharField(max_length=32)),
                        ('annual_rate', models.DecimalField(decimal_places=8, max_digits=12)),
                        ('credit_score', models.IntegerField(blank=True, null=True)),
                        ('opened_on', models.DateField()),
                        ('expires_on', models.DateField()),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('borrower', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credit_lines', to='loans.borrower')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credit_lines', to='loans.product')),
                    ],
                    options={
                        'db_table': 'loans_creditline',
                        'ordering': ['-id'],
                    },
                ),
                migrations.CreateModel(
                    name='CreditLimitChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('open', 'Opened'), ('increase', 'Limit increased'), ('decrease', 'Limit decreased'), ('freeze', 'Frozen'), ('unfreeze', 'Unfrozen'), ('close', 'Closed')], max_length=16)),
                        ('old_limit', models.DecimalField(decimal_places=2, max_digits=20)),
                        ('new_limit', models.DecimalField(decimal_places=2, max_digits=20)),
                        ('old_status', models.CharField(max_length=8)),
                        ('new_status', models.CharField(max_length=8)),
                        ('reason', models.CharField(max_length=255)),
                        ('actor', models.CharField(max_length=150)),
                        ('business_date', models.DateField()),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('line', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='changes', to='origination.creditline')),
                    ],
                    options={
                        'db_table': 'loans_creditlimitchange',
                        'ordering': ['line_id', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='DecisionStep',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField()),
                        ('name', models.CharField(max_length=40)),
                        ('inputs', models.JSONField(default=dict)),
                        ('result', models.CharField(choices=[('pass', 'Pass'), ('refer', 'Refer'), ('fail', 'Fail'), ('info', 'Information')], max_length=8)),
                        ('reason_code', models.CharField(blank=True, max_length=16)),
                        ('detail', models.CharField(blank=True, max_length=255)),
                        ('decision', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='origination.decisionrecord')),
                    ],
                    options={
                        'db_table': 'loans_decisionstep',
                        'ordering': ['decision_id', 'position'],
                    },
                ),
                migrations.CreateModel(
                    name='LoanApplication',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reference', models.CharField(max_length=40, unique=True)),
                        ('kind', models.CharField(choices=[('credit_line', 'Credit line (授信)'), ('one_off', 'One-off loan')], default='credit_line', max_length=16)),
                        ('status', models.CharField(choices=[('submitted', 'Submitted'), ('approved', 'Approved'), ('referred', 'Referred to manual review'), ('declined', 'Declined')], default='submitted', max_length=16)),
                        ('currency', models.CharField(default='CNY', max_length=3)),
                        ('requested_amount', models.DecimalField(decimal_places=2, max_digits=20)),
                        ('requested_term', models.PositiveSmallIntegerField()),
                        ('purpose', models.CharField(max_length=64)),
                        ('declared_monthly_income', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=20)),
                        ('declared_name', models.CharField(max_length=120)),
                        ('national_id_digest', models.CharField(db_index=True, max_length=64)),
                        ('national_id_masked', models.CharField(max_length=32)),
                        ('national_id_valid', models.BooleanField(default=True)),
                        ('mobile_digest', models.CharField(db_index=True, max_length=64)),
                        ('mobile_masked', models.CharField(max_length=24)),
                        ('birth_date', models.DateField(blank=True, null=True)),
                        ('residence_country', models.CharField(default='CN', max_length=2)),
                        ('residence_region', models.CharField(blank=True, max_length=8)),
                        ('consents', models.JSONField(default=list, help_text='Purposes granted with the application.')),
                        ('device_id', models.CharField(blank=True, db_index=True, max_length=128)),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                        ('channel', models.CharField(default='app', max_length=32)),
                        ('collateral_data', models.JSONField(blank=True, default=dict, help_text='Policy loans: insurer, policy number, cash value.')),
                        ('business_date', models.DateField()),
                        ('submitted_at', models.DateTimeField(db_index=True)),
                        ('decided_on', models.DateField(blank=True, null=True)),
                        ('borrower', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='applications', to='loans.borrower')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='applications', to='loans.product')),
                    ],
                    options={
                        'db_table': 'loans_loanapplication',
                        'ordering': ['-id'],
                        'permissions': [('review_application', 'Can approve or decline referred applications')],
                    },
                ),
                migrations.AddField(
                    model_name='decisionrecord',
                    name='application',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='origination.loanapplication'),
                ),
                migrations.AddField(
                    model_name='creditline',
                    name='application',
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='line', to='origination.loanapplication'),
                ),
                migrations.CreateModel(
                    name='Drawdown',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('idempotency_key', models.CharField(max_length=200, unique=True)),
                        ('request_hash', models.CharField(max_length=64)),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=20)),
                        ('payee_kind', models.CharField(choices=[('merchant', 'Merchant'), ('borrower', "Borrower's bank account"), ('card_issuer', 'Card issuer')], max_length=16)),
                        ('payee_name', models.CharField(max_length=120)),
                        ('payee_account_masked', models.CharField(blank=True, max_length=40)),
                        ('order_reference', models.CharField(blank=True, max_length=64)),
                        ('subsidised', models.BooleanField(default=False)),
                        ('subsidy_amount', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=20)),
                        ('refunded_amount', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=20)),
                        ('settlement_status', models.CharField(choices=[('n/a', 'Paid out directly'), ('pending', 'Awaiting settlement'), ('settled', 'Settled')], default='n/a', max_length=8)),
                        ('settled_amount', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=20)),
                        ('settled_on', models.DateField(blank=True, null=True)),
                        ('base_rate', models.DecimalField(decimal_places=8, help_text="The line's rate before dynamic pricing.", max_digits=12)),
                        ('pricing_adjustments', models.JSONField(default=list)),
                        ('business_date', models.DateField()),
                        ('created_by', models.CharField(max_length=150)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('line', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='drawdowns', to='origination.creditline')),
                        ('loan', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='drawdown', to='loans.loan')),
                        ('merchant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='drawdowns', to='origination.merchant')),
                    ],
                    options={
                        'db_table': 'loans_drawdown',
                        'ordering': ['-id'],
                    },
                ),
                migrations.CreateModel(
                    name='PolicyVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40)),
                        ('version', models.PositiveIntegerField()),
                        ('description', models.CharField(blank=True, max_length=255)),
                        ('policy', models.JSONField(help_text='Rules, scorecard, bands and limits (see the docs).')),
                        ('is_active', models.BooleanField(default=False)),
                        ('created_by', models.CharField(default='system', max_length=150)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('first_used_on', models.DateField(blank=True, editable=False, null=True)),
                    ],
                    options={
                        'db_table': 'loans_policyversion',
                        'ordering': ['code', '-version'],
                        'constraints': [models.UniqueConstraint(fields=('code', 'version'), name='policy_version_uniq'), models.UniqueConstraint(condition=models.Q(('is_active', True)), fields=('code',), name='policy_one_active')],
                    },
                ),
                migrations.AddField(
                    model_name='decisionrecord',
                    name='policy_version',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='decisions', to='origination.policyversion'),
                ),
                migrations.AddField(
                    model_name='creditline',
                    name='policy_version',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='origination.policyversion'),
                ),
                migrations.AddIndex(
                    model_name='loanapplication',
                    index=models.Index(fields=['status', 'id'], name='application_status_idx'),
                ),
                migrations.AddIndex(
                    model_name='loanapplication',
                    index=models.Index(fields=['national_id_digest', 'submitted_at'], name='application_id_vel'),
                ),
                migrations.AddIndex(
                    model_name='loanapplication',
                    index=models.Index(fields=['mobile_digest', 'submitted_at'], name='application_mobile_vel'),
                ),
                migrations.AddIndex(
                    model_name='loanapplication',
                    index=models.Index(fields=['device_id', 'submitted_at'], name='application_device_vel'),
                ),
                migrations.AddConstraint(
                    model_name='drawdown',
                    constraint=models.CheckConstraint(condition=models.Q(('refunded_amount__lte', models.F('amount'))), name='drawdown_refund_within_amount'),
                ),
                migrations.AddConstraint(
                    model_name='creditline',
                    constraint=models.CheckConstraint(condition=models.Q(('limit__gte', 0)), name='credit_line_limit_gte0'),
                ),
            ],
            database_operations=[],
        ),
        _move_content_types(MOVES),
    ]
