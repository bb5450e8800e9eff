"""Accounting periods (issue 15): a month's close, maker-checker, and its frozen trial balance.

On PostgreSQL the database refuses any journal entry whose business date falls in a closed
period, whoever writes it (the posting service books a back-dated correction in the open period
before it gets here; this is the rule for every other writer).
"""

import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


CLOSED_PERIOD_SQL = """
CREATE FUNCTION ledger_refuse_closed_period() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_accountingperiod
               WHERE status = 'closed' AND month = date_trunc('month', NEW.business_date)::date)
    THEN
        RAISE EXCEPTION 'ledger: journalentry_period_closed: the accounting period % is closed; entry % books nothing into it',
            to_char(NEW.business_date, 'YYYY-MM'), NEW.idempotency_key
            USING ERRCODE = 'check_violation', CONSTRAINT = 'journalentry_period_closed';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER journalentry_period_open BEFORE INSERT ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_closed_period();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS journalentry_period_open ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_refuse_closed_period();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CLOSED_PERIOD_SQL, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0007_deferred_yield_account"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccountingPeriod",
            fields=[
                (
                    "month",
                    models.DateField(
                        help_text="The period's first day.", primary_key=True, serialize=False
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("close_requested", "Close requested"), ("closed", "Closed")],
                        max_length=16,
                    ),
                ),
                ("requested_by", models.CharField(max_length=150)),
                ("requested_at", models.DateTimeField()),
                ("closed_by", models.CharField(blank=True, max_length=150)),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-month"],
                "permissions": [
                    ("close_period", "Can ask for or approve an accounting period's close")
                ],
            },
        ),
        migrations.CreateModel(
            name="PeriodBalance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                (
                    "opening_debit",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=20),
                ),
                (
                    "opening_credit",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=20),
                ),
                (
                    "period_debit",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=20),
                ),
                (
                    "period_credit",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=20),
                ),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="period_balances",
                        to="ledger.account",
                    ),
                ),
            ],
            options={
                "ordering": ["month", "account"],
                "constraints": [
                    models.UniqueConstraint(fields=("month", "account"), name="period_balance_uniq")
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
