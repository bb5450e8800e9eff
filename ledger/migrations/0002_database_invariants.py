"""PostgreSQL objects that make the ledger's invariants hold for every writer, not only ours.

Installed on PostgreSQL only; other databases rely on the posting service alone. The SQL is
frozen here, as it was first installed: a later change is a new migration with its own SQL, so a
database migrated today is the same as one migrated when this was written.
"""

from django.db import migrations

REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % on % is not allowed; entries are immutable, post a reversal',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER journalentry_immutable BEFORE UPDATE OR DELETE ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER journalline_immutable BEFORE UPDATE OR DELETE ON ledger_journalline
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""

# Lines are checked per statement, set-based, rather than by one trigger per line:
# - referential integrity (every line's entry and account exist; the foreign keys are declared
#   without per-row database constraints, see JournalLine);
# - stored balances: the per-(account, loan) totals are upserted from the statement's lines;
# - balance: every committed entry balances, and lines are never changed, so an entry still
#   balances at commit exactly when the lines this transaction added to it net to zero per
#   currency. Each statement records the non-zero nets it left per (entry, currency); a deferred
#   constraint trigger sums them at commit (or at SET CONSTRAINTS ... IMMEDIATE) and refuses
#   the transaction if any entry's do not net to zero. An entry written by one statement, the
#   usual case, leaves nothing to record and costs one aggregate over that statement's lines.
CHECK_BALANCED = """
CREATE UNLOGGED TABLE ledger_unbalanced_delta (
    batch_id bigint NOT NULL, entry_id bigint NOT NULL, currency text NOT NULL, net numeric NOT NULL
);
CREATE INDEX ledger_unbalanced_delta_entry ON ledger_unbalanced_delta (entry_id);
CREATE UNLOGGED TABLE ledger_balance_check_batch (batch_id bigint PRIMARY KEY);
CREATE SEQUENCE ledger_balance_check_seq;

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
    -- One pass over the statement's lines: per (entry, currency) nets, then both checks.
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
    -- Stored per-(account, loan) totals follow every line, whoever wrote it; rows are locked
    -- in (loan, account) order so that concurrent postings cannot deadlock.
    INSERT INTO ledger_loanaccountbalance AS b (account_id, loan_id, debit_total, credit_total)
    SELECT n.account_id, n.loan_id, sum(n.debit), sum(n.credit)
      FROM new_lines n
     WHERE n.loan_id IS NOT NULL
     GROUP BY n.loan_id, n.account_id
     ORDER BY n.loan_id, n.account_id
    ON CONFLICT (loan_id, account_id) DO UPDATE
       SET debit_total = b.debit_total + EXCLUDED.debit_total,
           credit_total = b.credit_total + EXCLUDED.credit_total;
    RETURN NULL;
END $$;
CREATE TRIGGER journalline_inserted AFTER INSERT ON ledger_journalline
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_inserted();

CREATE OR REPLACE FUNCTION ledger_check_batch_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT d.entry_id, d.currency, sum(d.net) AS net INTO bad
      FROM ledger_unbalanced_delta d
     WHERE d.entry_id IN (SELECT entry_id FROM ledger_unbalanced_delta WHERE batch_id = NEW.batch_id)
     GROUP BY d.entry_id, d.currency
    HAVING sum(d.net) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: entry % does not balance in %: debits exceed credits by %',
            bad.entry_id, bad.currency, bad.net
            USING ERRCODE = 'check_violation';
    END IF;
    DELETE FROM ledger_unbalanced_delta
     WHERE entry_id IN (SELECT entry_id FROM ledger_unbalanced_delta WHERE batch_id = NEW.batch_id);
    DELETE FROM ledger_balance_check_batch WHERE batch_id = NEW.batch_id;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER balance_check_at_commit AFTER INSERT ON ledger_balance_check_batch
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_batch_balanced();

-- Accounts with lines are never deleted (close them instead); lines hold no per-row foreign key.
CREATE OR REPLACE FUNCTION ledger_refuse_account_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_journalline WHERE account_id = OLD.id) THEN
        RAISE EXCEPTION 'ledger: account % has journal lines and cannot be deleted', OLD.code
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER account_in_use BEFORE DELETE ON ledger_account
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_account_delete();
"""

# One round trip per posting: idempotency, entry and lines (the line trigger keeps balances).
POST_ENTRY = """
CREATE OR REPLACE FUNCTION ledger_post_entry(
    p_key text, p_hash text, p_kind text, p_business_date date, p_value_date date,
    p_memo text, p_currency text, p_reverses bigint, p_actor text,
    p_accounts bigint[], p_loans bigint[], p_debits numeric[], p_credits numeric[]
) RETURNS TABLE (entry_id bigint, created boolean, stored_hash text)
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    v_hash text;
BEGIN
    INSERT INTO ledger_journalentry (business_date, value_date, kind, memo, currency,
                                     idempotency_key, content_hash, reverses_id,
                                     created_at, created_by)
    VALUES (p_business_date, p_value_date, p_kind, p_memo, p_currency,
            p_key, p_hash, p_reverses, now(), p_actor)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO v_id;

    IF v_id IS NULL THEN
        SELECT e.id, e.content_hash INTO v_id, v_hash
          FROM ledger_journalentry e WHERE e.idempotency_key = p_key;
        RETURN QUERY SELECT v_id, false, v_hash;
        RETURN;
    END IF;

    INSERT INTO ledger_journalline (entry_id, account_id, loan_id, debit, credit,
                                    currency, business_date)
    SELECT v_id, t.a, t.l, t.d, t.c, p_currency, p_business_date
      FROM unnest(p_accounts, p_loans, p_debits, p_credits) AS t(a, l, d, c);

    RETURN QUERY SELECT v_id, true, p_hash;
END $$;
"""

INSTALL = REFUSE_CHANGE + CHECK_BALANCED + POST_ENTRY

UNINSTALL = """
DROP TRIGGER IF EXISTS journalline_inserted ON ledger_journalline;
DROP TRIGGER IF EXISTS account_in_use ON ledger_account;
DROP TABLE IF EXISTS ledger_unbalanced_delta, ledger_balance_check_batch;
DROP SEQUENCE IF EXISTS ledger_balance_check_seq;
DROP FUNCTION IF EXISTS ledger_lines_inserted();
DROP FUNCTION IF EXISTS ledger_check_batch_balanced();
DROP FUNCTION IF EXISTS ledger_refuse_account_delete();
DROP TRIGGER IF EXISTS journalline_immutable ON ledger_journalline;
DROP TRIGGER IF EXISTS journalentry_immutable ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
DROP FUNCTION IF EXISTS ledger_post_entry(text, text, text, date, date, text, text, bigint, text,
                                         bigint[], bigint[], numeric[], numeric[]);
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(INSTALL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(UNINSTALL)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
