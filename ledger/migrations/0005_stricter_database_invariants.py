"""More of the ledger's rules held by PostgreSQL itself (issue 23, item 5): no TRUNCATE of entries,
lines or stored balances; stored balances written only by the line trigger; no entry without
lines; a line in its entry's and its account's currency.

Installed on PostgreSQL only; the SQL is frozen here (a later change is a new migration).
"""

from django.db import migrations

# TRUNCATE fires no row trigger, so the immutability triggers of 0002 never see it: refuse it
# outright. The unbalanced-delta table is included: emptying it before commit would let an
# unbalanced entry through the balance check.
REFUSE_TRUNCATE = """
CREATE FUNCTION ledger_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: TRUNCATE of % is not allowed; entries are immutable, post a reversal',
        TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER journalentry_no_truncate BEFORE TRUNCATE ON ledger_journalentry
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
CREATE TRIGGER journalline_no_truncate BEFORE TRUNCATE ON ledger_journalline
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
CREATE TRIGGER loanaccountbalance_no_truncate BEFORE TRUNCATE ON ledger_loanaccountbalance
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
CREATE TRIGGER unbalanced_delta_no_truncate BEFORE TRUNCATE ON ledger_unbalanced_delta
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
"""

# Stored balances, and the deltas the balance check sums at commit, are written only from inside
# the ledger's own triggers (the line trigger, the check at commit). The guard asks
# pg_trigger_depth(), which is 0 for a client's statement and at least 1 inside a trigger (the
# trigger's WHEN condition is evaluated before the depth counts the guard itself). A
# transaction-local setting would not do: any client can `SET LOCAL` any custom setting with one
# plain statement and then write. Only a trigger raises the depth, and creating one is DDL, which
# a role allowed to run it could as well use to drop this guard; where untrusted SQL runs under
# the application's role, also take away its right to create objects (TEMP tables, with
# triggers of their own, included).
# The condition is a trigger's WHEN, so a permitted write calls no function. Balances: checked
# per statement (an upsert checks as INSERT and as UPDATE), not per row: the close writes one
# balance row per loan. Deltas: per row, as there usually are none.
GUARD_DIRECT_WRITES = """
CREATE FUNCTION ledger_refuse_direct_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % on % is not allowed; it is written only by the ledger''s '
        'triggers from the journal lines', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER loanaccountbalance_written_by_lines
    BEFORE INSERT OR UPDATE OR DELETE ON ledger_loanaccountbalance
    FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION ledger_refuse_direct_write();
CREATE TRIGGER unbalanced_delta_written_by_lines
    BEFORE INSERT OR UPDATE OR DELETE ON ledger_unbalanced_delta
    FOR EACH ROW WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION ledger_refuse_direct_write();
"""

# An entry needs at least two lines by commit. Every line is a positive debit or a positive
# credit and every entry balances at commit, so an entry with any line has at least two: what is
# left to refuse is an entry with none. Checked like the balance (0002), per statement and not
# per row. Each statement that inserts entries queues one row with the range of ids it inserted,
# checked at commit by a deferred constraint trigger. The line trigger usually settles it first:
# when every entry visible in the id range of a line statement got a line from that statement,
# it drops the queued ranges that lie inside, and the check at commit finds nothing left to do.
# Otherwise (lines for a range spread over several statements, or an entry left without lines)
# the check at commit looks for an entry in the range without a line. Entries of other
# transactions inside a range are either invisible (uncommitted) or committed, and then have
# their lines already. The queued ranges are updated or deleted only by the ledger's triggers
# (the guard above); the deferred trigger reads its row as it was inserted.
CHECK_ENTRIES_HAVE_LINES = """
CREATE UNLOGGED TABLE ledger_entry_check_batch (
    first_entry_id bigint PRIMARY KEY, last_entry_id bigint NOT NULL
);
CREATE TRIGGER entry_check_batch_written_by_ledger
    BEFORE UPDATE OR DELETE ON ledger_entry_check_batch
    FOR EACH ROW WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION ledger_refuse_direct_write();
CREATE TRIGGER entry_check_batch_no_truncate BEFORE TRUNCATE ON ledger_entry_check_batch
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();

CREATE FUNCTION ledger_entries_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- An entry id is in one statement only, so the first one names the range.
    INSERT INTO ledger_entry_check_batch (first_entry_id, last_entry_id)
    SELECT min(id), max(id) FROM new_entries HAVING count(*) > 0;
    RETURN NULL;
END $$;
CREATE TRIGGER journalentry_inserted AFTER INSERT ON ledger_journalentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_inserted();

CREATE FUNCTION ledger_check_entries_have_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_empty bigint;
BEGIN
    PERFORM 1 FROM ledger_entry_check_batch WHERE first_entry_id = NEW.first_entry_id;
    IF NOT FOUND THEN
        RETURN NULL;  -- settled by the line trigger
    END IF;
    SELECT e.id INTO v_empty
      FROM ledger_journalentry e
     WHERE e.id BETWEEN NEW.first_entry_id AND NEW.last_entry_id
       AND NOT EXISTS (SELECT 1 FROM ledger_journalline l WHERE l.entry_id = e.id)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: entry % has no lines; an entry needs at least two', v_empty
            USING ERRCODE = 'check_violation';
    END IF;
    DELETE FROM ledger_entry_check_batch WHERE first_entry_id = NEW.first_entry_id;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER entry_lines_check_at_commit AFTER INSERT ON ledger_entry_check_batch
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entries_have_lines();
"""

# The line trigger of 0004, now also holding each line to its entry's currency and its
# account's (lines, entries and accounts each carry a currency column), and settling the
# queued entry checks its lines answer. Currencies are read in the joins it already makes to
# check that entries and accounts exist; the entries it joins are now those in the range of the
# statement's entry ids, joined in full, so that the same pass tells whether each of them got a
# line. A currency mismatch is refused when the line is inserted, not at commit.
LINES_INSERTED = """
CREATE OR REPLACE FUNCTION ledger_lines_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_batch bigint;
    v_bad record;
BEGIN
    SELECT n.account_id, n.currency, a.id AS found, a.code, a.currency AS account_currency
      INTO v_bad
      FROM (SELECT DISTINCT account_id, currency FROM new_lines) n
      LEFT JOIN ledger_account a ON a.id = n.account_id
     WHERE a.id IS NULL OR a.currency <> n.currency
     LIMIT 1;
    IF FOUND THEN
        IF v_bad.found IS NULL THEN
            RAISE EXCEPTION 'ledger: line refers to account % which does not exist',
                v_bad.account_id USING ERRCODE = 'foreign_key_violation';
        END IF;
        RAISE EXCEPTION 'ledger: a line in % cannot post to account % (%), which is kept in %',
            v_bad.currency, v_bad.code, v_bad.account_id, v_bad.account_currency
            USING ERRCODE = 'check_violation';
    END IF;
    v_batch := nextval('ledger_balance_check_seq');
    -- One pass over the statement's lines: per (entry, currency) nets, then the checks. The
    -- entries in the range of the statement's entry ids are joined in full: an entry without a
    -- line here comes out unmatched.
    WITH nets AS MATERIALIZED (
        SELECT n.entry_id, n.currency, sum(n.debit) - sum(n.credit) AS net
          FROM new_lines n GROUP BY n.entry_id, n.currency
    ), bounds AS MATERIALIZED (
        SELECT min(entry_id) AS first_id, max(entry_id) AS last_id FROM nets
    ), queued AS (
        INSERT INTO ledger_unbalanced_delta (batch_id, entry_id, currency, net)
        SELECT v_batch, g.entry_id, g.currency, g.net FROM nets g WHERE g.net <> 0
        RETURNING 1
    )
    SELECT b.first_id, b.last_id, (SELECT count(*) FROM queued) AS queued, u.*
      INTO v_bad
      FROM bounds b, (
        SELECT coalesce(bool_or(g.entry_id IS NULL), false) AS entries_without_lines,
               min(g.entry_id) FILTER (WHERE e.id IS NULL) AS missing_entry,
               min(g.entry_id) FILTER (WHERE e.currency <> g.currency) AS foreign_entry
          FROM nets g
          FULL JOIN (SELECT id, currency FROM ledger_journalentry
                      WHERE id BETWEEN (SELECT first_id FROM bounds)
                                   AND (SELECT last_id FROM bounds)) e ON e.id = g.entry_id
         WHERE g.entry_id IS NULL OR e.id IS NULL OR e.currency <> g.currency
      ) u;
    IF v_bad.missing_entry IS NOT NULL THEN
        RAISE EXCEPTION 'ledger: line refers to journal entry % which does not exist',
            v_bad.missing_entry USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_bad.foreign_entry IS NOT NULL THEN
        SELECT e.id, e.currency AS entry_currency, n.currency INTO v_bad
          FROM ledger_journalentry e JOIN new_lines n ON n.entry_id = e.id
         WHERE e.id = v_bad.foreign_entry AND n.currency <> e.currency
         LIMIT 1;
        RAISE EXCEPTION 'ledger: entry % is in %; a line in % cannot be part of it',
            v_bad.id, v_bad.entry_currency, v_bad.currency
            USING ERRCODE = 'check_violation';
    END IF;
    IF v_bad.queued > 0 THEN
        INSERT INTO ledger_balance_check_batch (batch_id) VALUES (v_batch);
    END IF;
    IF NOT v_bad.entries_without_lines THEN
        DELETE FROM ledger_entry_check_batch
         WHERE first_entry_id BETWEEN v_bad.first_id AND v_bad.last_id
           AND last_entry_id <= v_bad.last_id;
    END IF;
    -- Stored per-(account, loan) totals follow every balance-sheet line, whoever wrote it;
    -- income and expense lines keep their loan but no stored row (migration 0004). Rows are
    -- locked in (loan, account) order so that concurrent postings cannot deadlock.
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

INSTALL = REFUSE_TRUNCATE + GUARD_DIRECT_WRITES + CHECK_ENTRIES_HAVE_LINES + LINES_INSERTED

# The line trigger's function as migration 0004 left it.
LINES_INSERTED_0004 = """
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

UNINSTALL = (
    """
DROP TRIGGER journalentry_inserted ON ledger_journalentry;
DROP TABLE ledger_entry_check_batch;
DROP FUNCTION ledger_entries_inserted();
DROP FUNCTION ledger_check_entries_have_lines();
DROP TRIGGER loanaccountbalance_written_by_lines ON ledger_loanaccountbalance;
DROP TRIGGER unbalanced_delta_written_by_lines ON ledger_unbalanced_delta;
DROP FUNCTION ledger_refuse_direct_write();
DROP TRIGGER journalentry_no_truncate ON ledger_journalentry;
DROP TRIGGER journalline_no_truncate ON ledger_journalline;
DROP TRIGGER loanaccountbalance_no_truncate ON ledger_loanaccountbalance;
DROP TRIGGER unbalanced_delta_no_truncate ON ledger_unbalanced_delta;
DROP FUNCTION ledger_refuse_truncate();
"""
    + LINES_INSERTED_0004
)


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(INSTALL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(UNINSTALL)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_stored_balances_balance_sheet_only")]
    operations = [migrations.RunPython(install, uninstall)]
