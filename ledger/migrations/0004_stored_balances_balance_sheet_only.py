"""Stored per-(account, loan) balances for balance-sheet accounts only.

Every line that belongs to a loan carries its `loan_id`, income and expense lines included (a
loan's income is read from its lines: profitability, effective-interest checks, income by
product). Keeping a stored running row per (income account, loan) as well would double the
upserts of the close's hottest step (the daily accrual: Dr 1132 / Cr 6011 per loan), measured at
about 30% more posting time; nothing needs those rows, since a loan's income is summed from its
lines through the (loan_id, account) index. So the line trigger keeps stored totals for asset,
liability and equity accounts only; the rows it kept for income and expense accounts are
removed, and an account's type can no longer change once it has lines (the stored rows follow
the type).

The SQL is frozen here on purpose: later changes are new migrations.
"""

from django.db import migrations

LINES_INSERTED = """
CREATE OR REPLACE FUNCTION ledger_lines_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_batch bigint;
    v_missing bigint;
    v_queued bigint;
BEGIN
    SELECT n.account_id INTO v_missing
      FROM (SELECT DISTINCT account_id FROM new_lines) n
     WHERE NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = n.account_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: line refers to account % which does not exist', v_missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    v_batch := nextval('ledger_balance_check_seq');
    WITH nets AS MATERIALIZED (
        SELECT n.entry_id, n.currency, sum(n.debit) - sum(n.credit) AS net
          FROM new_lines n GROUP BY n.entry_id, n.currency
    ), missing AS (
        SELECT g.entry_id
          FROM nets g
          LEFT JOIN (SELECT id FROM ledger_journalentry
                      WHERE id >= (SELECT min(entry_id) FROM nets)) e ON e.id = g.entry_id
         WHERE e.id IS NULL
         LIMIT 1
    ), queued AS (
        INSERT INTO ledger_unbalanced_delta (batch_id, entry_id, currency, net)
        SELECT v_batch, g.entry_id, g.currency, g.net FROM nets g WHERE g.net <> 0
        RETURNING 1
    )
    SELECT (SELECT entry_id FROM missing), (SELECT count(*) FROM queued)
      INTO v_missing, v_queued;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'ledger: line refers to journal entry % which does not exist', v_missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_queued > 0 THEN
        INSERT INTO ledger_balance_check_batch (batch_id) VALUES (v_batch);
    END IF;
    -- Stored per-(account, loan) totals follow every balance-sheet line, whoever wrote it;
    -- income and expense lines keep their loan but no stored row (summed from the lines).
    -- Rows are locked in (loan, account) order so that concurrent postings cannot deadlock.
    INSERT INTO ledger_loanaccountbalance AS b (account_id, loan_id, debit_total, credit_total)
    SELECT n.account_id, n.loan_id, sum(n.debit), sum(n.credit)
      FROM new_lines n
     WHERE n.loan_id IS NOT NULL
       AND n.account_id IN (SELECT a.id FROM ledger_account a
                             WHERE a.type IN ('asset', 'liability', 'equity'))
     GROUP BY n.loan_id, n.account_id
     ORDER BY n.loan_id, n.account_id
    ON CONFLICT (loan_id, account_id) DO UPDATE
       SET debit_total = b.debit_total + EXCLUDED.debit_total,
           credit_total = b.credit_total + EXCLUDED.credit_total;
    RETURN NULL;
END $$;
"""

TYPE_FROZEN = """
CREATE OR REPLACE FUNCTION ledger_refuse_account_type_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.type IS DISTINCT FROM OLD.type
       AND EXISTS (SELECT 1 FROM ledger_journalline WHERE account_id = OLD.id) THEN
        RAISE EXCEPTION 'ledger: account % has journal lines; its type cannot change from % to %',
            OLD.code, OLD.type, NEW.type USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER account_type_in_use BEFORE UPDATE OF type ON ledger_account
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_account_type_change();
"""

DROP_INCOME_ROWS = """
DELETE FROM ledger_loanaccountbalance b
 USING ledger_account a
 WHERE a.id = b.account_id AND a.type IN ('income', 'expense');
"""

# Backwards: the trigger as migration 0002 installed it, and the rows rebuilt from the lines.
LINES_INSERTED_0002 = LINES_INSERTED.replace(
    """     WHERE n.loan_id IS NOT NULL
       AND n.account_id IN (SELECT a.id FROM ledger_account a
                             WHERE a.type IN ('asset', 'liability', 'equity'))
""",
    """     WHERE n.loan_id IS NOT NULL
""",
)

REBUILD_INCOME_ROWS = """
INSERT INTO ledger_loanaccountbalance (account_id, loan_id, debit_total, credit_total)
SELECT l.account_id, l.loan_id, sum(l.debit), sum(l.credit)
  FROM ledger_journalline l
  JOIN ledger_account a ON a.id = l.account_id
 WHERE l.loan_id IS NOT NULL AND a.type IN ('income', 'expense')
 GROUP BY l.loan_id, l.account_id;
"""

UNDO_TYPE_FROZEN = """
DROP TRIGGER IF EXISTS account_type_in_use ON ledger_account;
DROP FUNCTION IF EXISTS ledger_refuse_account_type_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        # Other databases (the SQLite demo) keep stored rows in the posting service alone.
        LoanAccountBalance = apps.get_model("ledger", "LoanAccountBalance")
        LoanAccountBalance.objects.filter(account__type__in=("income", "expense")).delete()
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(LINES_INSERTED + TYPE_FROZEN + DROP_INCOME_ROWS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        from django.db.models import Sum

        JournalLine = apps.get_model("ledger", "JournalLine")
        LoanAccountBalance = apps.get_model("ledger", "LoanAccountBalance")
        LoanAccountBalance.objects.bulk_create(
            LoanAccountBalance(
                account_id=row["account_id"],
                loan_id=row["loan_id"],
                debit_total=row["debit"],
                credit_total=row["credit"],
            )
            for row in JournalLine.objects.filter(
                loan_id__isnull=False, account__type__in=("income", "expense")
            )
            .values("account_id", "loan_id")
            .annotate(debit=Sum("debit"), credit=Sum("credit"))
        )
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(LINES_INSERTED_0002 + UNDO_TYPE_FROZEN + REBUILD_INCOME_ROWS)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_default_chart")]
    operations = [migrations.RunPython(forwards, backwards)]
