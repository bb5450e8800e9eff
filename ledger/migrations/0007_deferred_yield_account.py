"""Account 1305 "Loans — deferred fees and subsidies" (issue 15): the contra-asset that holds
fees, merchant subsidies and direct costs that are part of a loan's effective yield, from
disbursement until they are amortized into interest income (IFRS 9 B5.4, CAS 22).

Credit-normal beside 1303, as the allowance 1304 is; net direct costs leave it with a debit.
Frozen here: a later rename is a new migration.
"""

from django.db import migrations

ACCOUNT = ("1305", "Loans — deferred fees and subsidies", "asset", "credit")


def load_account(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    code, name, type_, normal_side = ACCOUNT
    Account.objects.update_or_create(
        code=code,
        currency="CNY",
        defaults={"name": name, "type": type_, "normal_side": normal_side},
    )


def unload_account(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    Account.objects.filter(code=ACCOUNT[0], currency="CNY").delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_journal_partitions")]
    operations = [migrations.RunPython(load_account, unload_account)]
