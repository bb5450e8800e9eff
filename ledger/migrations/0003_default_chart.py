"""The default chart of accounts for a consumer lender (codes styled on the Chinese
financial-enterprise chart, so that reports and tools can rely on them).

Frozen here as first loaded: an account added or renamed later is a new migration.
"""

from django.db import migrations

# (code, name, type, normal side), in CNY.
DEFAULT_CHART = (
    ("1002", "Bank — disbursement and collection clearing", "asset", "debit"),
    ("1132", "Interest receivable", "asset", "debit"),
    ("1133", "Fees receivable", "asset", "debit"),
    ("1134", "Penalty interest receivable", "asset", "debit"),
    ("1303", "Loans receivable — principal", "asset", "debit"),
    ("1304", "Allowance for loan losses", "asset", "credit"),
    ("2202", "Payable to merchants", "liability", "credit"),
    ("2241", "Customer overpayments", "liability", "credit"),
    ("2261", "Interest in suspense (non-accrual)", "liability", "credit"),
    ("4001", "Paid-in capital", "equity", "credit"),
    ("6011", "Interest income", "income", "credit"),
    ("6021", "Fee income", "income", "credit"),
    ("6031", "Penalty interest income", "income", "credit"),
    ("6111", "Recoveries of written-off loans", "income", "credit"),
    ("6701", "Credit impairment loss (provisions)", "expense", "debit"),
    ("6711", "Write-off expense", "expense", "debit"),
)


def load_chart(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    for code, name, type_, normal_side in DEFAULT_CHART:
        Account.objects.update_or_create(
            code=code,
            currency="CNY",
            defaults={"name": name, "type": type_, "normal_side": normal_side},
        )


def unload_chart(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    Account.objects.filter(code__in=[row[0] for row in DEFAULT_CHART], currency="CNY").delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_database_invariants")]
    operations = [migrations.RunPython(load_chart, unload_chart)]
