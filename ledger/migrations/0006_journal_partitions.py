"""Journal lines partitioned by month of business date, monthly opening balances and an archive
(issue 20).

On PostgreSQL `ledger_journalline` becomes a table partitioned by range of `business_date`: one
partition per month (`ledger_journalline_y2026m01`), a default partition for a line whose month
has no partition yet (`ledger_journalline_default`; `ledger_journal_partitions_ensure` moves such
lines into their month's partition when it creates it) and, once months are archived, an empty
partition below the archive's horizon that refuses every row (`ledger_journalline_archived`).
Existing lines are moved into the partitioned table, their ids kept and the id sequence carried
on; the reverse moves every line, archived ones included, back into one plain table.

A partitioned table's primary key must include the partition key: the database's key is
(id, business_date); Django's model keeps `id` (see `JournalLine`).

The rules of migrations 0002 to 0005 hold for every writer of every partition. PostgreSQL fires a
partitioned table's statement triggers only for statements that name it (an INSERT or COPY into
the parent, whichever partitions the rows land in) and a partition's own statement triggers only
for statements that name the partition; it does not allow transition tables on row triggers of
partitions. So the set-based line trigger, the trigger keeping monthly openings and the TRUNCATE
guard are installed on the parent and on each partition (named `journalline_part_*` there), and
row triggers (immutability) on the parent, which PostgreSQL clones onto every partition.

Monthly openings (`ledger_monthopening`) are computed by the database when a month is recorded in
`ledger_journalmonth`, and kept equal to the lines by a trigger when a line is later posted before
a recorded month. Archiving (a row in `ledger_journalarchive`) carries the archived lines' totals
per (account, loan) into `ledger_loanopening`, detaches the months' partitions into the schema
`ledger_archive` (attached there to `ledger_archive.journalline`, where they stay queryable and
immutable) and moves the refusing partition's bound up to the new horizon. Openings and carried
totals are written only by these triggers.

Installed on PostgreSQL only; other databases (the SQLite demo) keep one plain table. The SQL is
frozen here: a later change is a new migration.
"""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

FUNCTIONS = """
CREATE SCHEMA ledger_archive;

-- pg_advisory_xact_lock(7301202001) serializes the journal's maintenance: creating partitions,
-- capturing openings, archiving.

CREATE FUNCTION ledger_journal_partition_name(p_month date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'ledger_journalline_' || to_char(p_month, '"y"YYYY"m"MM')
$$;

-- The monthly partitions of a journal table, by the names this migration gives them.
CREATE FUNCTION ledger_journal_partitions(p_parent text DEFAULT 'ledger_journalline')
RETURNS TABLE (month date, name text)
LANGUAGE sql STABLE AS $$
    SELECT to_date(right(c.relname, 7), 'YYYY"m"MM'), c.oid::regclass::text
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = p_parent::regclass AND c.relname ~ '^ledger_journalline_y[0-9]{4}m[0-9]{2}$'
     ORDER BY 1
$$;

CREATE FUNCTION ledger_journal_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: TRUNCATE of % is not allowed; entries are immutable, post a reversal',
        TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;

CREATE FUNCTION ledger_journal_refuse_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % on % is not allowed; it is written only by the ledger''s '
        'triggers from the journal lines', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE FUNCTION ledger_journal_refuse_archive_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % on the archived journal (%) is not allowed; archived lines are '
        'immutable', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;

CREATE FUNCTION ledger_journal_refuse_record_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % on % is not allowed; its rows record what the ledger did',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;

-- A line posted before a month whose openings are kept is added to them (and to every later
-- month's). Lines of the open month, the usual case, find nothing to do after one pass.
CREATE FUNCTION ledger_lines_keep_openings() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_last date;
BEGIN
    SELECT max(month) INTO v_last FROM ledger_journalmonth;
    IF v_last IS NULL OR NOT EXISTS (SELECT 1 FROM new_lines WHERE business_date < v_last) THEN
        RETURN NULL;
    END IF;
    INSERT INTO ledger_monthopening AS o (month, account_id, debit_total, credit_total)
    SELECT m.month, n.account_id, sum(n.debit), sum(n.credit)
      FROM new_lines n JOIN ledger_journalmonth m ON m.month > n.business_date
     GROUP BY m.month, n.account_id
     ORDER BY m.month, n.account_id
    ON CONFLICT (month, account_id) DO UPDATE
       SET debit_total = o.debit_total + EXCLUDED.debit_total,
           credit_total = o.credit_total + EXCLUDED.credit_total;
    RETURN NULL;
END $$;

-- What every partition of the live journal carries besides the row triggers cloned from the
-- parent: the statement triggers, which fire only for statements naming the partition itself.
CREATE FUNCTION ledger_journal_guard_partition(p_table text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER journalline_part_inserted AFTER INSERT ON %s'
                   ' REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT'
                   ' EXECUTE FUNCTION ledger_lines_inserted()', p_table);
    EXECUTE format('CREATE TRIGGER journalline_part_openings AFTER INSERT ON %s'
                   ' REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT'
                   ' EXECUTE FUNCTION ledger_lines_keep_openings()', p_table);
    EXECUTE format('CREATE TRIGGER journalline_part_no_truncate BEFORE TRUNCATE ON %s'
                   ' FOR EACH STATEMENT EXECUTE FUNCTION ledger_journal_refuse_truncate()',
                   p_table);
END $$;

-- Every month from p_from to p_through gets its partition, and so does every month between the
-- existing ones and every month holding lines in the default partition (partitions stay
-- contiguous, so that the default partition is pruned from reads of a date range). Lines found
-- in the default partition are moved into their month's new partition: the default partition is
-- detached, each month's lines copied into a new table that is then attached, and the old
-- default dropped once every line is accounted for. Returns the partitions created.
CREATE FUNCTION ledger_journal_partitions_ensure(p_from date, p_through date) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    v_lo date := date_trunc('month', least(p_from, p_through))::date;
    v_hi date := date_trunc('month', greatest(p_from, p_through))::date;
    v_horizon date;
    v_first date;
    v_last date;
    v_default_first date;
    v_default_last date;
    v_default_lines bigint;
    v_moved bigint := 0;
    v_count bigint;
    v_month date;
    v_name text;
BEGIN
    PERFORM pg_advisory_xact_lock(7301202001);
    SELECT max(before) INTO v_horizon FROM ledger_journalarchive;
    SELECT min(month), max(month) INTO v_first, v_last FROM ledger_journal_partitions();
    SELECT date_trunc('month', min(business_date))::date,
           date_trunc('month', max(business_date))::date, count(*)
      INTO v_default_first, v_default_last, v_default_lines
      FROM ledger_journalline_default;
    v_lo := least(v_lo, v_first, v_default_first);
    v_hi := greatest(v_hi, v_last, v_default_last);
    IF v_horizon IS NOT NULL AND v_lo < v_horizon THEN
        v_lo := v_horizon;  -- below the horizon the archived partition refuses every line
    END IF;
    IF v_default_lines > 0 THEN
        ALTER TABLE ledger_journalline DETACH PARTITION ledger_journalline_default;
        ALTER TABLE ledger_journalline_default RENAME TO ledger_journalline_default_split;
        CREATE TABLE ledger_journalline_default PARTITION OF ledger_journalline DEFAULT;
        PERFORM ledger_journal_guard_partition('ledger_journalline_default');
    END IF;
    FOR v_month IN SELECT generate_series(v_lo, v_hi, interval '1 month')::date LOOP
        v_name := ledger_journal_partition_name(v_month);
        CONTINUE WHEN EXISTS (SELECT 1 FROM ledger_journal_partitions() p WHERE p.month = v_month);
        IF v_default_lines > 0 AND v_month BETWEEN v_default_first AND v_default_last THEN
            EXECUTE format('CREATE TABLE %I (LIKE ledger_journalline INCLUDING DEFAULTS'
                           ' INCLUDING CONSTRAINTS)', v_name);
            EXECUTE format('INSERT INTO %I SELECT * FROM ledger_journalline_default_split'
                           ' WHERE business_date >= %L AND business_date < %L',
                           v_name, v_month, (v_month + interval '1 month')::date);
            GET DIAGNOSTICS v_count = ROW_COUNT;
            v_moved := v_moved + v_count;
            EXECUTE format('ALTER TABLE ledger_journalline ATTACH PARTITION %I'
                           ' FOR VALUES FROM (%L) TO (%L)',
                           v_name, v_month, (v_month + interval '1 month')::date);
        ELSE
            EXECUTE format('CREATE TABLE %I PARTITION OF ledger_journalline'
                           ' FOR VALUES FROM (%L) TO (%L)',
                           v_name, v_month, (v_month + interval '1 month')::date);
        END IF;
        PERFORM ledger_journal_guard_partition(v_name);
        RETURN NEXT v_name;
    END LOOP;
    IF v_default_lines > 0 THEN
        IF v_moved <> v_default_lines THEN
            RAISE EXCEPTION 'ledger: % lines of the default partition were moved, not %',
                v_moved, v_default_lines USING ERRCODE = 'internal_error';
        END IF;
        DROP TABLE ledger_journalline_default_split;
    END IF;
END $$;

-- Recording a month computes its openings: the previous recorded month's openings plus the lines
-- between, or every line before it. Writers of lines before the month wait while they are summed
-- (SHARE locks on the partitions before it and the default partition); a line posted before the
-- month later is added by the line trigger. The month must have begun: openings of the open
-- month would be hot rows. Summing needs READ COMMITTED, so that each statement sees the lines
-- committed while it waited for its locks.
CREATE FUNCTION ledger_journal_month_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_horizon date;
    v_today date;
BEGIN
    IF NEW.month <> date_trunc('month', NEW.month)::date THEN
        RAISE EXCEPTION 'ledger: openings are kept for whole months; % is not the first day of '
            'a month', NEW.month USING ERRCODE = 'check_violation';
    END IF;
    SELECT max(before) INTO v_horizon FROM ledger_journalarchive;
    IF NEW.month < v_horizon THEN
        RAISE EXCEPTION 'ledger: the journal is archived before %; the openings of % cannot be '
            'captured any more', v_horizon, NEW.month USING ERRCODE = 'check_violation';
    END IF;
    SELECT max(current) INTO v_today FROM ledger_businessdate;
    IF v_today IS NULL OR NEW.month > v_today THEN
        RAISE EXCEPTION 'ledger: the month of % has not begun (business date %)', NEW.month,
            v_today USING ERRCODE = 'check_violation';
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'ledger: openings are captured in READ COMMITTED transactions only'
            USING ERRCODE = 'invalid_transaction_state';
    END IF;
    NEW.openings_captured_at := now();
    RETURN NEW;
END $$;

CREATE FUNCTION ledger_journal_month_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_base date;
    v_name text;
BEGIN
    PERFORM pg_advisory_xact_lock(7301202001);
    FOR v_name IN SELECT name FROM ledger_journal_partitions() WHERE month < NEW.month LOOP
        EXECUTE format('LOCK TABLE %s IN SHARE MODE', v_name);
    END LOOP;
    LOCK TABLE ledger_journalline_default IN SHARE MODE;
    SELECT max(month) INTO v_base FROM ledger_journalmonth WHERE month < NEW.month;
    INSERT INTO ledger_monthopening (month, account_id, debit_total, credit_total)
    SELECT NEW.month, s.account_id, sum(s.debit), sum(s.credit)
      FROM (SELECT o.account_id, o.debit_total AS debit, o.credit_total AS credit
              FROM ledger_monthopening o
             WHERE o.month = v_base
            UNION ALL
            SELECT l.account_id, sum(l.debit), sum(l.credit)
              FROM ledger_journalline l
             WHERE l.business_date < NEW.month
               AND l.business_date >= coalesce(v_base, '-infinity'::date)
             GROUP BY l.account_id) s
     GROUP BY s.account_id;
    RETURN NULL;
END $$;

-- Archiving every line before a month. The openings of that month must be kept (they are the
-- trial balance's starting point from then on), every line before it must sit in a monthly
-- partition, and the month must be closed: before the month of the last closed business date
-- (the day before the current one), for every lender.
CREATE FUNCTION ledger_journal_archive() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_horizon date;
    v_closed date;
    v_part record;
    v_count bigint;
    v_lines bigint := 0;
BEGIN
    IF NEW.before <> date_trunc('month', NEW.before)::date THEN
        RAISE EXCEPTION 'ledger: the journal is archived by whole months; % is not the first '
            'day of a month', NEW.before USING ERRCODE = 'check_violation';
    END IF;
    PERFORM pg_advisory_xact_lock(7301202001);
    SELECT max(before) INTO v_horizon FROM ledger_journalarchive;
    IF NEW.before <= v_horizon THEN
        RAISE EXCEPTION 'ledger: the journal is already archived before %', v_horizon
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT date_trunc('month', min(current) - 1)::date INTO v_closed FROM ledger_businessdate;
    IF v_closed IS NULL OR NEW.before > v_closed THEN
        RAISE EXCEPTION 'ledger: the month before % is still open (months from % on are open)',
            NEW.before, coalesce(v_closed::text, 'the first') USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ledger_journalmonth WHERE month = NEW.before) THEN
        RAISE EXCEPTION 'ledger: the openings of % must be captured before the months before it '
            'are archived', NEW.before USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM ledger_journalline_default WHERE business_date < NEW.before) THEN
        RAISE EXCEPTION 'ledger: lines before % are in the default partition; create their '
            'monthly partitions first', NEW.before USING ERRCODE = 'check_violation';
    END IF;
    FOR v_part IN SELECT month, name FROM ledger_journal_partitions() WHERE month < NEW.before
    LOOP
        EXECUTE format('LOCK TABLE %s IN SHARE MODE', v_part.name);
        EXECUTE format(
            'INSERT INTO ledger_loanopening AS o (account_id, loan_id, debit_total, credit_total)'
            ' SELECT account_id, loan_id, sum(debit), sum(credit) FROM %s'
            ' WHERE loan_id IS NOT NULL GROUP BY loan_id, account_id'
            ' ORDER BY loan_id, account_id'
            ' ON CONFLICT (loan_id, account_id) DO UPDATE'
            ' SET debit_total = o.debit_total + EXCLUDED.debit_total,'
            ' credit_total = o.credit_total + EXCLUDED.credit_total', v_part.name);
        EXECUTE format('SELECT count(*) FROM %s', v_part.name) INTO v_count;
        v_lines := v_lines + v_count;
        EXECUTE format('ALTER TABLE ledger_journalline DETACH PARTITION %s', v_part.name);
        EXECUTE format('DROP TRIGGER journalline_part_inserted ON %s', v_part.name);
        EXECUTE format('DROP TRIGGER journalline_part_openings ON %s', v_part.name);
        EXECUTE format('ALTER TABLE %s SET SCHEMA ledger_archive', v_part.name);
        EXECUTE format('ALTER TABLE ledger_archive.journalline ATTACH PARTITION ledger_archive.%I'
                       ' FOR VALUES FROM (%L) TO (%L)', ledger_journal_partition_name(v_part.month),
                       v_part.month, (v_part.month + interval '1 month')::date);
    END LOOP;
    IF to_regclass('ledger_journalline_archived') IS NOT NULL THEN
        ALTER TABLE ledger_journalline DETACH PARTITION ledger_journalline_archived;
        DROP TABLE ledger_journalline_archived;
    END IF;
    EXECUTE format('CREATE TABLE ledger_journalline_archived PARTITION OF ledger_journalline'
                   ' (CONSTRAINT journalline_month_archived CHECK (false))'
                   ' FOR VALUES FROM (MINVALUE) TO (%L)', NEW.before);
    NEW.archived_at := now();
    NEW.lines := v_lines;
    RETURN NEW;
END $$;

-- An account's type fixes whether it keeps stored per-loan balances; it cannot change once the
-- account has lines, archived ones included (their totals are in the monthly openings).
CREATE OR REPLACE FUNCTION ledger_refuse_account_type_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.type IS DISTINCT FROM OLD.type
       AND (EXISTS (SELECT 1 FROM ledger_journalline WHERE account_id = OLD.id)
            OR EXISTS (SELECT 1 FROM ledger_monthopening WHERE account_id = OLD.id)) THEN
        RAISE EXCEPTION 'ledger: account % has journal lines; its type cannot change from % to %',
            OLD.code, OLD.type, NEW.type USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
"""

# The data move. Lines keep their ids; the id sequence continues where the identity column's
# stopped. Partitions are created for every month holding lines, the lines inserted through the
# parent before any trigger is on it (none fires: the partitions' own statement triggers fire only
# for statements naming them), then the keys, indexes and triggers are created.
CONVERT = """
DO $convert$
DECLARE
    v_count bigint;
    v_moved bigint;
    v_first date;
    v_last date;
    v_next bigint;
    v_month date;
    v_name text;
BEGIN
    LOCK TABLE ledger_journalline IN ACCESS EXCLUSIVE MODE;
    SELECT count(*), date_trunc('month', min(business_date))::date, max(business_date),
           coalesce(max(id), 0)
      INTO v_count, v_first, v_last, v_next
      FROM ledger_journalline;
    v_next := greatest(v_next, coalesce(pg_sequence_last_value(
        pg_get_serial_sequence('ledger_journalline', 'id')::regclass), 0));

    ALTER TABLE ledger_journalline RENAME TO ledger_journalline_unpartitioned;
    ALTER TABLE ledger_journalline_unpartitioned
        RENAME CONSTRAINT ledger_journalline_pkey TO ledger_journalline_unpartitioned_pkey;
    DROP INDEX ledger_journalline_entry_id_9e70d486;
    DROP INDEX line_loan_account_idx;
    ALTER TABLE ledger_journalline_unpartitioned ALTER COLUMN id DROP IDENTITY;

    CREATE SEQUENCE ledger_journalline_id_seq AS bigint;
    IF v_next > 0 THEN
        PERFORM setval('ledger_journalline_id_seq', v_next);
    END IF;
    CREATE TABLE ledger_journalline (
        id bigint NOT NULL DEFAULT nextval('ledger_journalline_id_seq'),
        loan_id bigint,
        debit numeric(20, 2) NOT NULL,
        credit numeric(20, 2) NOT NULL,
        currency varchar(3) NOT NULL,
        business_date date NOT NULL,
        account_id bigint NOT NULL,
        entry_id bigint NOT NULL,
        CONSTRAINT line_debit_xor_credit_positive CHECK (
            (debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0))
    ) PARTITION BY RANGE (business_date);
    ALTER SEQUENCE ledger_journalline_id_seq OWNED BY ledger_journalline.id;

    CREATE TABLE ledger_journalline_default PARTITION OF ledger_journalline DEFAULT;
    PERFORM ledger_journal_guard_partition('ledger_journalline_default');
    IF v_first IS NOT NULL THEN
        FOR v_month IN SELECT generate_series(v_first, v_last, interval '1 month')::date LOOP
            v_name := ledger_journal_partition_name(v_month);
            EXECUTE format('CREATE TABLE %I PARTITION OF ledger_journalline'
                           ' FOR VALUES FROM (%L) TO (%L)',
                           v_name, v_month, (v_month + interval '1 month')::date);
            PERFORM ledger_journal_guard_partition(v_name);
        END LOOP;
    END IF;

    INSERT INTO ledger_journalline
           (id, loan_id, debit, credit, currency, business_date, account_id, entry_id)
    SELECT id, loan_id, debit, credit, currency, business_date, account_id, entry_id
      FROM ledger_journalline_unpartitioned;
    GET DIAGNOSTICS v_moved = ROW_COUNT;
    IF v_moved <> v_count THEN
        RAISE EXCEPTION 'ledger: % of % journal lines were moved', v_moved, v_count;
    END IF;
    DROP TABLE ledger_journalline_unpartitioned;

    ALTER TABLE ledger_journalline
        ADD CONSTRAINT ledger_journalline_pkey PRIMARY KEY (id, business_date);
    CREATE INDEX ledger_journalline_entry_id_9e70d486 ON ledger_journalline (entry_id);
    CREATE INDEX line_loan_account_idx ON ledger_journalline (loan_id, account_id)
        WHERE loan_id IS NOT NULL;

    CREATE TRIGGER journalline_immutable BEFORE UPDATE OR DELETE ON ledger_journalline
        FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
    CREATE TRIGGER journalline_inserted AFTER INSERT ON ledger_journalline
        REFERENCING NEW TABLE AS new_lines
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_inserted();
    CREATE TRIGGER journalline_openings AFTER INSERT ON ledger_journalline
        REFERENCING NEW TABLE AS new_lines
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_keep_openings();
    CREATE TRIGGER journalline_no_truncate BEFORE TRUNCATE ON ledger_journalline
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
END $convert$;
"""

ARCHIVE_TABLE = """
CREATE TABLE ledger_archive.journalline (LIKE ledger_journalline INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (business_date);
ALTER TABLE ledger_archive.journalline
    ADD CONSTRAINT journalline_pkey PRIMARY KEY (id, business_date);
CREATE INDEX journalline_entry_idx ON ledger_archive.journalline (entry_id);
CREATE INDEX journalline_loan_account_idx ON ledger_archive.journalline (loan_id, account_id)
    WHERE loan_id IS NOT NULL;
CREATE TRIGGER archived_journalline_immutable BEFORE INSERT OR UPDATE OR DELETE
    ON ledger_archive.journalline
    FOR EACH ROW EXECUTE FUNCTION ledger_journal_refuse_archive_change();
CREATE TRIGGER archived_journalline_no_truncate BEFORE TRUNCATE ON ledger_archive.journalline
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_journal_refuse_truncate();
"""

RECORDS = """
CREATE TRIGGER journalmonth_check BEFORE INSERT ON ledger_journalmonth
    FOR EACH ROW EXECUTE FUNCTION ledger_journal_month_check();
CREATE TRIGGER journalmonth_capture AFTER INSERT ON ledger_journalmonth
    FOR EACH ROW EXECUTE FUNCTION ledger_journal_month_capture();
CREATE TRIGGER journalmonth_recorded BEFORE UPDATE OR DELETE ON ledger_journalmonth
    FOR EACH ROW EXECUTE FUNCTION ledger_journal_refuse_record_change();
CREATE TRIGGER journalmonth_no_truncate BEFORE TRUNCATE ON ledger_journalmonth
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_journal_refuse_truncate();

CREATE TRIGGER journalarchive_run BEFORE INSERT ON ledger_journalarchive
    FOR EACH ROW EXECUTE FUNCTION ledger_journal_archive();
CREATE TRIGGER journalarchive_recorded BEFORE UPDATE OR DELETE ON ledger_journalarchive
    FOR EACH ROW EXECUTE FUNCTION ledger_journal_refuse_record_change();
CREATE TRIGGER journalarchive_no_truncate BEFORE TRUNCATE ON ledger_journalarchive
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_journal_refuse_truncate();

CREATE TRIGGER monthopening_written_by_ledger
    BEFORE INSERT OR UPDATE OR DELETE ON ledger_monthopening
    FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION ledger_journal_refuse_write();
CREATE TRIGGER monthopening_no_truncate BEFORE TRUNCATE ON ledger_monthopening
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_journal_refuse_truncate();
CREATE TRIGGER loanopening_written_by_ledger
    BEFORE INSERT OR UPDATE OR DELETE ON ledger_loanopening
    FOR EACH STATEMENT WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION ledger_journal_refuse_write();
CREATE TRIGGER loanopening_no_truncate BEFORE TRUNCATE ON ledger_loanopening
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_journal_refuse_truncate();
"""

INSTALL = FUNCTIONS + CONVERT + ARCHIVE_TABLE + RECORDS

# Backwards: every line, archived ones included, back in one plain table with an identity id
# continuing the sequence, and the objects of migrations 0002 to 0005 on it.
UNINSTALL = """
DO $revert$
DECLARE
    v_count bigint;
    v_moved bigint;
    v_next bigint;
BEGIN
    LOCK TABLE ledger_journalline IN ACCESS EXCLUSIVE MODE;
    SELECT (SELECT count(*) FROM ledger_journalline)
           + (SELECT count(*) FROM ledger_archive.journalline)
      INTO v_count;
    v_next := coalesce(pg_sequence_last_value('ledger_journalline_id_seq'), 0);
    CREATE TABLE ledger_journalline_plain (
        id bigint NOT NULL,
        loan_id bigint,
        debit numeric(20, 2) NOT NULL,
        credit numeric(20, 2) NOT NULL,
        currency varchar(3) NOT NULL,
        business_date date NOT NULL,
        account_id bigint NOT NULL,
        entry_id bigint NOT NULL
    );
    INSERT INTO ledger_journalline_plain
           (id, loan_id, debit, credit, currency, business_date, account_id, entry_id)
    SELECT id, loan_id, debit, credit, currency, business_date, account_id, entry_id
      FROM (SELECT * FROM ledger_archive.journalline
            UNION ALL
            SELECT * FROM ledger_journalline) l
     ORDER BY id;
    GET DIAGNOSTICS v_moved = ROW_COUNT;
    IF v_moved <> v_count THEN
        RAISE EXCEPTION 'ledger: % of % journal lines were moved', v_moved, v_count;
    END IF;
    SELECT greatest(v_next, coalesce(max(id), 0)) INTO v_next FROM ledger_journalline_plain;

    DROP SCHEMA ledger_archive CASCADE;
    DROP TABLE ledger_journalline;
    ALTER TABLE ledger_journalline_plain RENAME TO ledger_journalline;
    EXECUTE format('ALTER TABLE ledger_journalline ALTER COLUMN id'
                   ' ADD GENERATED BY DEFAULT AS IDENTITY (START WITH %s)', v_next + 1);
    ALTER TABLE ledger_journalline ADD CONSTRAINT ledger_journalline_pkey PRIMARY KEY (id);
    ALTER TABLE ledger_journalline ADD CONSTRAINT line_debit_xor_credit_positive CHECK (
        (debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0));
    CREATE INDEX ledger_journalline_entry_id_9e70d486 ON ledger_journalline (entry_id);
    CREATE INDEX line_loan_account_idx ON ledger_journalline (loan_id, account_id)
        WHERE loan_id IS NOT NULL;

    CREATE TRIGGER journalline_immutable BEFORE UPDATE OR DELETE ON ledger_journalline
        FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
    CREATE TRIGGER journalline_inserted AFTER INSERT ON ledger_journalline
        REFERENCING NEW TABLE AS new_lines
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_lines_inserted();
    CREATE TRIGGER journalline_no_truncate BEFORE TRUNCATE ON ledger_journalline
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
END $revert$;

DROP TRIGGER journalmonth_check ON ledger_journalmonth;
DROP TRIGGER journalmonth_capture ON ledger_journalmonth;
DROP TRIGGER journalmonth_recorded ON ledger_journalmonth;
DROP TRIGGER journalmonth_no_truncate ON ledger_journalmonth;
DROP TRIGGER journalarchive_run ON ledger_journalarchive;
DROP TRIGGER journalarchive_recorded ON ledger_journalarchive;
DROP TRIGGER journalarchive_no_truncate ON ledger_journalarchive;
DROP TRIGGER monthopening_written_by_ledger ON ledger_monthopening;
DROP TRIGGER monthopening_no_truncate ON ledger_monthopening;
DROP TRIGGER loanopening_written_by_ledger ON ledger_loanopening;
DROP TRIGGER loanopening_no_truncate ON ledger_loanopening;

DROP FUNCTION ledger_journal_archive();
DROP FUNCTION ledger_journal_month_capture();
DROP FUNCTION ledger_journal_month_check();
DROP FUNCTION ledger_journal_partitions_ensure(date, date);
DROP FUNCTION ledger_journal_guard_partition(text);
DROP FUNCTION ledger_lines_keep_openings();
DROP FUNCTION ledger_journal_refuse_record_change();
DROP FUNCTION ledger_journal_refuse_archive_change();
DROP FUNCTION ledger_journal_refuse_write();
DROP FUNCTION ledger_journal_refuse_truncate();
DROP FUNCTION ledger_journal_partitions(text);
DROP FUNCTION ledger_journal_partition_name(date);

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
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(INSTALL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(UNINSTALL)


AMOUNT = {"decimal_places": 2, "default": Decimal("0"), "max_digits": 20}


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_stricter_database_invariants")]

    operations = [
        migrations.CreateModel(
            name="JournalArchive",
            fields=[
                ("before", models.DateField(primary_key=True, serialize=False)),
                ("archived_at", models.DateTimeField()),
                ("lines", models.BigIntegerField()),
            ],
            options={"ordering": ["before"]},
        ),
        migrations.CreateModel(
            name="JournalMonth",
            fields=[
                ("month", models.DateField(primary_key=True, serialize=False)),
                ("openings_captured_at", models.DateTimeField()),
            ],
            options={"ordering": ["month"]},
        ),
        migrations.CreateModel(
            name="LoanOpening",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("loan_id", models.BigIntegerField()),
                ("debit_total", models.DecimalField(**AMOUNT)),
                ("credit_total", models.DecimalField(**AMOUNT)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="loan_openings",
                        to="ledger.account",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("loan_id", "account"), name="loan_opening_uniq")
                ],
            },
        ),
        migrations.CreateModel(
            name="MonthOpening",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("debit_total", models.DecimalField(**AMOUNT)),
                ("credit_total", models.DecimalField(**AMOUNT)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="month_openings",
                        to="ledger.account",
                    ),
                ),
            ],
            options={
                "ordering": ["month", "account"],
                "constraints": [
                    models.UniqueConstraint(fields=("month", "account"), name="month_opening_uniq")
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
