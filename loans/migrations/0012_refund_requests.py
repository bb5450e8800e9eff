"""Borrowers' refund requests for what the lender holds for them; the shipped groups learn the
new permissions: approvers decide them, everyone who views loans views them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

VIEW = ("loans", "view_refundrequest")
GROUP_PERMISSIONS = {
    "viewer": [VIEW],
    "loan officer": [VIEW],
    "auditor": [VIEW],
    "approver": [VIEW, ("loans", "approve_refundrequest")],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; this migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUP_PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for app_label, codename in wanted:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUP_PERMISSIONS.items():
        for group in Group.objects.filter(name=name):
            for app_label, codename in wanted:
                group.permissions.remove(
                    *Permission.objects.filter(
                        content_type__app_label=app_label, codename=codename
                    )
                )


class Migration(migrations.Migration):

    dependencies = [
        ('loans', '0011_close_leases'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('compliance', '0004_audit_staff_groups'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.CreateModel(
            name='RefundRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=20)),
                ('status', models.CharField(choices=[('pending', 'Pending approval'), ('refunded', 'Approved and refunded'), ('rejected', 'Rejected')], default='pending', max_length=12)),
                ('requested_at', models.DateTimeField(auto_now_add=True)),
                ('business_date', models.DateField(help_text='The business date it was requested on.')),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decision_note', models.CharField(blank=True, max_length=255)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='refunds_decided', to=settings.AUTH_USER_MODEL)),
                ('loan', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='refund_requests', to='loans.loan')),
                ('refund', models.OneToOneField(blank=True, help_text='The refund the approval posted.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='refund_request', to='loans.repayment')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='refunds_requested', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-requested_at', '-id'],
                'permissions': [('approve_refundrequest', "Can approve or reject a borrower's refund")],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='refund_request_amount_positive'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'refunded'), _negated=True), ('refund__isnull', False), _connector='OR'), name='refund_request_refunded_has_refund')],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
