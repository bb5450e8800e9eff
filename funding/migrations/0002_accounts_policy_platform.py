"""Joint lending's accounts, the default funding policy (the platform funds at least 30% of a
co-lent loan) and the platform as a funder. Frozen here: a later change is a new migration."""

from decimal import Decimal

from django.db import migrations

ACCOUNTS = [
    ("1003", "Funders' own banks (settled to or from funders)", "asset", "debit"),
    ("1221", "Due from the platform (collections held for a funder)", "asset", "debit"),
    ("1306", "Purchased loans — premium (discount)", "asset", "debit"),
    ("2203", "Payable to funding partners (collections not yet settled)", "liability", "credit"),
    ("6051", "Platform service fee income (joint lending spread)", "income", "credit"),
    ("6115", "Gain (loss) on transfer of loans", "income", "credit"),
    ("6421", "Service fee to the platform", "expense", "debit"),
]


def load(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    for code, name, type_, side in ACCOUNTS:
        Account.objects.update_or_create(
            code=code, currency="CNY", defaults={"name": name, "type": type_, "normal_side": side}
        )
    apps.get_model("funding", "FundingPolicy").objects.get_or_create(
        name="default", defaults={"platform_min_share": Decimal("0.30")}
    )
    apps.get_model("funding", "Funder").objects.get_or_create(
        code="platform", defaults={"name": "The platform (own funds)", "kind": "platform"}
    )


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial"), ("ledger", "0008_accounting_periods")]
    # Unapplied, the funding tables go with 0001; the accounts stay in the chart (a ledger's
    # accounts are never deleted once lines may have used them).
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
