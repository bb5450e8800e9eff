"""The back-office groups, shipped as data: viewer, loan officer, collector, approver, auditor.

Each holds the permissions of its job; nobody but a superuser holds both sides of the
maker-checker (a loan officer requests adjustments and write-offs, an approver decides them),
and even a superuser cannot approve their own request (a database constraint).
"""

from django.db import migrations

VIEW_ALL = [
    ("loans", "view_product"),
    ("loans", "view_borrower"),
    ("loans", "view_loan"),
    ("loans", "view_installment"),
    ("loans", "view_loantransition"),
    ("loans", "view_repayment"),
    ("loans", "view_allocation"),
    ("ledger", "view_account"),
    ("ledger", "view_journalentry"),
    ("ledger", "view_journalline"),
    ("collection", "view_collectioncase"),
    ("collection", "view_contactattempt"),
    ("collection", "view_promisetopay"),
    ("compliance", "view_adjustmentrequest"),
]

GROUPS = {
    "viewer": VIEW_ALL,
    "loan officer": VIEW_ALL
    + [
        ("loans", "approve_loan"),
        ("loans", "disburse_loan"),
        ("loans", "record_repayment"),
        ("loans", "unmask_borrower"),
        ("loans", "write_off_loan"),
        ("compliance", "add_adjustmentrequest"),
    ],
    "collector": VIEW_ALL
    + [
        ("collection", "work_case"),
        ("collection", "add_contactattempt"),
        ("collection", "add_promisetopay"),
        ("collection", "change_promisetopay"),
    ],
    "approver": VIEW_ALL
    + [
        ("loans", "approve_loan"),
        ("loans", "write_off_loan"),
        ("compliance", "approve_adjustmentrequest"),
    ],
    "auditor": VIEW_ALL
    + [
        ("compliance", "view_auditevent"),
        ("compliance", "view_classificationrule"),
        ("collection", "view_strategy"),
        ("collection", "view_strategystep"),
    ],
}


def forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; this migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for app_label, codename in wanted:
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0003_audit_append_only"),
        ("loans", "0004_repayments_and_allocations"),
        ("ledger", "0001_initial"),
        ("collection", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
