"""Credit assessments (the lender's scores that prices follow), the loan's link to the one it
was priced on, and the product's rule for its lines on a charge-off. The shipped staff groups
learn the new permissions: approvers record assessments; everyone who views loans views them."""

import django.db.models.deletion
from django.db import migrations, models

VIEW = ("loans", "view_creditassessment")
GROUP_PERMISSIONS = {
    "viewer": [VIEW],
    "loan officer": [VIEW],
    "auditor": [VIEW],
    "approver": [VIEW, ("loans", "assess_credit")],
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
        ('loans', '0007_product_installment_rounding_apr_method'),
        ('compliance', '0004_audit_staff_groups'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.AddField(
            model_name='product',
            name='line_on_charge_off',
            field=models.CharField(choices=[('block', 'Block the line (frozen until staff lift it, after full recovery)'), ('close', 'Close the line')], default='block', help_text='What a charge-off of a loan drawn on a credit line of this product does to the line.', max_length=8),
        ),
        migrations.CreateModel(
            name='CreditAssessment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('score', models.IntegerField()),
                ('source', models.CharField(choices=[('decision', 'Decision pipeline'), ('bureau', 'Credit bureau'), ('staff', 'Staff assessment')], max_length=16)),
                ('provider', models.CharField(blank=True, help_text='Scorecard or bureau.', max_length=64)),
                ('reference', models.CharField(blank=True, help_text='The decision or bureau report it came from.', max_length=64)),
                ('reason', models.CharField(blank=True, max_length=255)),
                ('assessed_by', models.CharField(max_length=150)),
                ('business_date', models.DateField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('borrower', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='credit_assessments', to='loans.borrower')),
            ],
            options={
                'ordering': ['-business_date', '-id'],
                'permissions': [('assess_credit', "Can record a borrower's credit score")],
            },
        ),
        migrations.AddField(
            model_name='loan',
            name='credit_assessment',
            field=models.ForeignKey(blank=True, help_text="The lender's assessment the price was set on (none: the worst band).", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='loans', to='loans.creditassessment'),
        ),
        migrations.AddIndex(
            model_name='creditassessment',
            index=models.Index(fields=['borrower', '-business_date', '-id'], name='assessment_latest'),
        ),
        migrations.RunPython(grant, revoke),
    ]
