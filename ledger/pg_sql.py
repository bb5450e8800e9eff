"""PostgreSQL objects that make the ledger's invariants hold for every writer, not only ours.

Installed by migration 0002 on PostgreSQL; other databases rely on the posting service alone.
"""

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

# Deferred to commit so that an entry's lines may arrive in several statements.
CHECK_BALANCED = """
CREATE OR REPLACE FUNCTION ledger_check_entry_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT currency, sum(coalesce(debit, 0)) AS debits, sum(coalesce(credit, 0)) AS credits
      INTO bad
      FROM ledger_journalline
     WHERE entry_id = NEW.entry_id
     GROUP BY currency
    HAVING sum(coalesce(debit, 0)) <> sum(coalesce(credit, 0))
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: entry % does not balance in %: debits % <> credits %',
            NEW.entry_id, bad.currency, bad.debits, bad.credits
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER journalline_balanced AFTER INSERT ON ledger_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced();
"""

# One round trip per posting: idempotency, entry, lines and the per-(account, loan) balances.
# Balance rows are upserted in (loan, account) order so concurrent postings lock in one order.
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

    INSERT INTO ledger_loanaccountbalance AS b (account_id, loan_id, debit_total, credit_total)
    SELECT t.a, t.l, sum(t.d), sum(t.c)
      FROM unnest(p_accounts, p_loans, p_debits, p_credits) AS t(a, l, d, c)
     WHERE t.l IS NOT NULL
     GROUP BY t.l, t.a
     ORDER BY t.l, t.a
    ON CONFLICT (loan_id, account_id) DO UPDATE
       SET debit_total = b.debit_total + EXCLUDED.debit_total,
           credit_total = b.credit_total + EXCLUDED.credit_total;

    RETURN QUERY SELECT v_id, true, p_hash;
END $$;
"""

STAGING_TABLES = """
CREATE TEMP TABLE IF NOT EXISTS ledger_stage_entry (
    seq integer PRIMARY KEY, key text NOT NULL, hash text NOT NULL, kind text NOT NULL,
    business_date date NOT NULL, value_date date NOT NULL, memo text NOT NULL,
    currency text NOT NULL, reverses_id bigint, entry_id bigint
);
CREATE TEMP TABLE IF NOT EXISTS ledger_stage_line (
    seq integer NOT NULL, account_id bigint NOT NULL, loan_id bigint,
    debit numeric NOT NULL, credit numeric NOT NULL
);
TRUNCATE ledger_stage_entry, ledger_stage_line;
"""

# Bulk posting from the staging tables filled by COPY: same invariants, set-based.
POST_STAGED = """
CREATE OR REPLACE FUNCTION ledger_post_staged(p_actor text)
RETURNS TABLE (created bigint, existing bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_conflict text;
    v_created bigint;
    v_total bigint;
BEGIN
    WITH ins AS (
        INSERT INTO ledger_journalentry (business_date, value_date, kind, memo, currency,
                                         idempotency_key, content_hash, reverses_id,
                                         created_at, created_by)
        SELECT s.business_date, s.value_date, s.kind, s.memo, s.currency,
               s.key, s.hash, s.reverses_id, now(), p_actor
          FROM ledger_stage_entry s ORDER BY s.seq
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id, idempotency_key
    )
    UPDATE ledger_stage_entry s SET entry_id = ins.id FROM ins WHERE s.key = ins.idempotency_key;

    SELECT s.key INTO v_conflict
      FROM ledger_stage_entry s JOIN ledger_journalentry e ON e.idempotency_key = s.key
     WHERE s.entry_id IS NULL AND e.content_hash <> s.hash
     LIMIT 1;
    IF v_conflict IS NOT NULL THEN
        RAISE EXCEPTION 'ledger: idempotency key % was used for different content', v_conflict
            USING ERRCODE = 'unique_violation', HINT = 'idempotency-conflict';
    END IF;

    INSERT INTO ledger_journalline (entry_id, account_id, loan_id, debit, credit,
                                    currency, business_date)
    SELECT s.entry_id, l.account_id, l.loan_id, l.debit, l.credit, s.currency, s.business_date
      FROM ledger_stage_line l JOIN ledger_stage_entry s USING (seq)
     WHERE s.entry_id IS NOT NULL
     ORDER BY s.entry_id;

    INSERT INTO ledger_loanaccountbalance AS b (account_id, loan_id, debit_total, credit_total)
    SELECT l.account_id, l.loan_id, sum(l.debit), sum(l.credit)
      FROM ledger_stage_line l JOIN ledger_stage_entry s USING (seq)
     WHERE s.entry_id IS NOT NULL AND l.loan_id IS NOT NULL
     GROUP BY l.loan_id, l.account_id
     ORDER BY l.loan_id, l.account_id
    ON CONFLICT (loan_id, account_id) DO UPDATE
       SET debit_total = b.debit_total + EXCLUDED.debit_total,
           credit_total = b.credit_total + EXCLUDED.credit_total;

    SELECT count(*) FILTER (WHERE s.entry_id IS NOT NULL), count(*)
      INTO v_created, v_total FROM ledger_stage_entry s;
    RETURN QUERY SELECT v_created, v_total - v_created;
END $$;
"""

INSTALL = REFUSE_CHANGE + CHECK_BALANCED + POST_ENTRY + POST_STAGED

UNINSTALL = """
DROP TRIGGER IF EXISTS journalline_balanced ON ledger_journalline;
DROP TRIGGER IF EXISTS journalline_immutable ON ledger_journalline;
DROP TRIGGER IF EXISTS journalentry_immutable ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_check_entry_balanced();
DROP FUNCTION IF EXISTS ledger_refuse_change();
DROP FUNCTION IF EXISTS ledger_post_entry(text, text, text, date, date, text, text, bigint, text,
                                         bigint[], bigint[], numeric[], numeric[]);
DROP FUNCTION IF EXISTS ledger_post_staged(text);
"""
