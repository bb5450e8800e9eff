from django.db import migrations

from ledger.chart import DEFAULT_CHART


def load_chart(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    for account in DEFAULT_CHART:
        Account.objects.update_or_create(
            code=account.code,
            currency="CNY",
            defaults={
                "name": account.name,
                "type": account.type,
                "normal_side": account.normal_side,
            },
        )


def unload_chart(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    Account.objects.filter(code__in=[a.code for a in DEFAULT_CHART], currency="CNY").delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_database_invariants")]
    operations = [migrations.RunPython(load_chart, unload_chart)]
