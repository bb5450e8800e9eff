"""The shipped staff groups learn the loan-modification roles: a loan officer is the maker (asks
for a modification from the admin form), an approver the checker (approves or rejects another
user's request, which applies it); everyone who views loans views modifications."""

from django.db import migrations

VIEW = ("loans", "view_loanmodification")
GROUP_PERMISSIONS = {
    "viewer": [VIEW],
    "auditor": [VIEW],
    "loan officer": [
        VIEW,
        ("loans", "add_loanmodification"),
        ("loans", "request_modification"),
    ],
    "approver": [VIEW, ("loans", "approve_modification")],
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
        group, _ = Group.objects.get_or_create(name=name)
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
        ("loans", "0020_installment_yield_db_default"),
        ("compliance", "0004_audit_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
