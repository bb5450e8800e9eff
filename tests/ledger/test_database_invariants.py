"""The ledger's rules hold in PostgreSQL itself, for writers that bypass the posting service."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from ledger.models import JournalEntry, JournalLine, LoanAccountBalance
from ledger.services import entry_post

from .helpers import transfer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ENTRY_SQL = (
    "INSERT INTO ledger_journalentry (business_date, value_date, kind, memo, currency,"
    " idempotency_key, content_hash, created_at, created_by)"
    " VALUES ('2026-01-01', '2026-01-01', 'raw', '', 'CNY', %s, '', now(), 'sql') RETURNING id"
)
LINE_SQL = (
    "INSERT INTO ledger_journalline (entry_id, account_id, loan_id, debit, credit, currency,"
    " business_date) VALUES (%s, (SELECT id FROM ledger_account WHERE code = %s), NULL,"
    " %s, %s, 'CNY', '2026-01-01')"
)


def _raw_entry(key, lines):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ENTRY_SQL, [key])
        entry_id = cursor.fetchone()[0]
        for code, debit, credit in lines:
            cursor.execute(LINE_SQL, [entry_id, code, debit, credit])
    return entry_id


def test_balanced_raw_entry_commits():
    _raw_entry("ok", [("1303", 5, 0), ("1002", 0, 5)])
    assert JournalLine.objects.count() == 2


def test_unbalanced_entry_is_refused_at_commit():
    with pytest.raises(IntegrityError, match="does not balance"):
        _raw_entry("bad", [("1303", 5, 0), ("1002", 0, 4)])
    assert not JournalEntry.objects.filter(idempotency_key="bad").exists()


def test_a_line_added_later_to_a_balanced_entry_is_refused():
    entry_id = _raw_entry("ok", [("1303", 5, 0), ("1002", 0, 5)])
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(LINE_SQL, [entry_id, "1303", 1, 0])
    assert JournalLine.objects.count() == 2


@pytest.mark.parametrize(
    "debit, credit",
    [(0, 0), (5, 5), (-5, 0), (0, -5)],
    ids=["zero", "both", "neg-debit", "neg-credit"],
)
def test_check_constraints_on_amounts(debit, credit):
    with pytest.raises(IntegrityError):
        _raw_entry("c", [("1303", debit, credit), ("1002", credit, debit)])


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_journalline SET debit = debit + 1",
        "DELETE FROM ledger_journalline",
        "UPDATE ledger_journalentry SET memo = 'edited'",
        "DELETE FROM ledger_journalentry",
    ],
)
def test_lines_and_entries_cannot_be_changed(sql):
    entry_post(spec=transfer("k", "10.00", debit_loan=1))
    with pytest.raises(IntegrityError, match="immutable"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert JournalLine.objects.filter(debit=10).count() == 1


def test_orm_delete_is_refused_too():
    result = entry_post(spec=transfer("k", "10.00"))
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        JournalLine.objects.filter(entry_id=result.entry_id).delete()
    assert JournalLine.objects.count() == 2


def test_line_for_a_missing_entry_or_account_is_refused():
    entry_id = _raw_entry("ok", [("1303", 5, 0), ("1002", 0, 5)])
    with pytest.raises(IntegrityError, match="journal entry 99999999 which does not exist"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(LINE_SQL.replace("%s, (SELECT", "99999999, (SELECT", 1), ["1303", 1, 0])
    with pytest.raises(IntegrityError, match="account .* which does not exist"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_journalline (entry_id, account_id, debit, credit, currency,"
                " business_date) VALUES (%s, 987654, 1, 0, 'CNY', '2026-01-01'),"
                " (%s, 987654, 0, 1, 'CNY', '2026-01-01')",
                [entry_id, entry_id],
            )
    assert JournalLine.objects.count() == 2


def test_lines_of_one_entry_may_arrive_in_several_statements():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ENTRY_SQL, ["split"])
        entry_id = cursor.fetchone()[0]
        cursor.execute(LINE_SQL, [entry_id, "1303", 5, 0])
        cursor.execute(LINE_SQL, [entry_id, "1002", 0, 3])
        cursor.execute(LINE_SQL, [entry_id, "6011", 0, 2])
    assert JournalLine.objects.filter(entry_id=entry_id).count() == 3


def test_an_account_with_lines_cannot_be_deleted():
    from ledger.models import Account

    entry_post(spec=transfer("k", "10.00"))
    with pytest.raises(IntegrityError, match="cannot be deleted"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_account WHERE code = '1002'")
    assert Account.objects.filter(code="1002").exists()


def _execute(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "table",
    [
        "ledger_journalentry",
        "ledger_journalline",
        "ledger_loanaccountbalance",
        "ledger_journalentry, ledger_journalline, ledger_loanaccountbalance",
        "ledger_account CASCADE",
        "ledger_unbalanced_delta",
    ],
)
def test_ledger_tables_cannot_be_truncated(table):
    entry_post(spec=transfer("k", "10.00", debit_loan=1))
    with pytest.raises(IntegrityError, match="TRUNCATE of ledger_.* is not allowed"):
        _execute(f"TRUNCATE {table}")
    assert JournalLine.objects.count() == 2
    assert LoanAccountBalance.objects.get().debit_total == Decimal("10.00")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_loanaccountbalance SET debit_total = 0",
        "DELETE FROM ledger_loanaccountbalance",
        "INSERT INTO ledger_loanaccountbalance (account_id, loan_id, debit_total, credit_total)"
        " SELECT id, 2, 99, 0 FROM ledger_account WHERE code = '1303'",
        "SET LOCAL ledger.writer = 'trigger'; UPDATE ledger_loanaccountbalance SET debit_total = 0",
    ],
    ids=["update", "delete", "insert", "update-with-a-setting"],
)
def test_stored_balances_are_written_only_by_the_line_trigger(sql):
    entry_post(spec=transfer("k", "10.00", debit_loan=1))
    with pytest.raises(IntegrityError, match="written only by the ledger's triggers"):
        _execute(sql)
    assert LoanAccountBalance.objects.get().debit_total == Decimal("10.00")


def test_the_orm_cannot_edit_a_stored_balance_either():
    entry_post(spec=transfer("k", "10.00", debit_loan=1))
    with pytest.raises(IntegrityError, match="written only by the ledger's triggers"):
        with transaction.atomic():
            LoanAccountBalance.objects.update(debit_total=0)
    entry_post(spec=transfer("k2", "5.00", debit_loan=1))
    assert LoanAccountBalance.objects.get().debit_total == Decimal("15.00")


def test_the_balance_check_queued_for_commit_cannot_be_cancelled():
    with pytest.raises(IntegrityError, match="written only by the ledger's triggers"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(ENTRY_SQL, ["bad"])
            entry_id = cursor.fetchone()[0]
            cursor.execute(LINE_SQL, [entry_id, "1303", 5, 0])
            cursor.execute(LINE_SQL, [entry_id, "1002", 0, 4])
            cursor.execute("DELETE FROM ledger_unbalanced_delta")
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(ENTRY_SQL, ["bad"])
            entry_id = cursor.fetchone()[0]
            cursor.execute(LINE_SQL, [entry_id, "1303", 5, 0])
            cursor.execute(LINE_SQL, [entry_id, "1002", 0, 4])
            cursor.execute("DELETE FROM ledger_balance_check_batch")
    assert not JournalEntry.objects.exists()


def test_an_entry_without_lines_is_refused_at_commit():
    with pytest.raises(IntegrityError, match=r"entry \d+ has no lines"):
        _raw_entry("empty", [])
    assert not JournalEntry.objects.exists()


def test_an_entry_with_one_line_is_refused_at_commit():
    with pytest.raises(IntegrityError, match="does not balance"):
        _raw_entry("one", [("1303", 5, 0)])
    assert not JournalEntry.objects.exists()


MANY_ENTRIES_SQL = (
    "INSERT INTO ledger_journalentry (business_date, value_date, kind, memo, currency,"
    " idempotency_key, content_hash, created_at, created_by)"
    " SELECT '2026-01-01', '2026-01-01', 'raw', '', 'CNY', 'many-' || g, '', now(), 'sql'"
    " FROM generate_series(1, 3) g RETURNING id"
)
PAIRS_SQL = (
    "INSERT INTO ledger_journalline (entry_id, account_id, debit, credit, currency, business_date)"
    " SELECT e, a.id, CASE a.code WHEN '1303' THEN 5 ELSE 0 END,"
    " CASE a.code WHEN '1002' THEN 5 ELSE 0 END, 'CNY', '2026-01-01'"
    " FROM unnest(%s::bigint[]) e, ledger_account a WHERE a.code IN ('1303', '1002')"
)


def test_one_entry_without_lines_among_many_written_at_once_is_found():
    with pytest.raises(IntegrityError, match=r"entry \d+ has no lines") as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(MANY_ENTRIES_SQL)
            first, middle, last = sorted(row[0] for row in cursor.fetchall())
            cursor.execute(PAIRS_SQL, [[first, last]])  # one statement around the middle one
    assert str(refused.value).startswith(f"ledger: entry {middle} has no lines")
    assert not JournalEntry.objects.exists()


def test_entries_whose_lines_come_in_one_statement_commit():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(MANY_ENTRIES_SQL)
        cursor.execute(PAIRS_SQL, [sorted(row[0] for row in cursor.fetchall())])
    assert JournalLine.objects.count() == 6


def test_the_entry_check_queued_for_commit_cannot_be_cancelled():
    for sql in (
        "DELETE FROM ledger_entry_check_batch",
        "UPDATE ledger_entry_check_batch SET first_entry_id = 0, last_entry_id = 0",
        "TRUNCATE ledger_entry_check_batch",
    ):
        # PostgreSQL itself refuses to truncate a table with trigger events pending.
        with pytest.raises(DatabaseError, match="not allowed|pending trigger events"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(MANY_ENTRIES_SQL)
                cursor.execute(sql)
    assert not JournalEntry.objects.exists()


@pytest.fixture
def usd_accounts():
    from ledger.models import Account

    for code, kind, side in (("1303", "asset", "debit"), ("1002", "asset", "debit")):
        Account.objects.create(
            code=code, name=f"{code} USD", type=kind, normal_side=side, currency="USD"
        )


def test_a_line_in_another_currency_than_its_entry_is_refused(usd_accounts):
    usd_line = LINE_SQL.replace("code = %s", "code = %s AND currency = 'USD'").replace(
        "'CNY'", "'USD'"
    )
    with pytest.raises(IntegrityError, match=r"entry \d+ is in CNY; a line in USD"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(ENTRY_SQL, ["cny"])
            entry_id = cursor.fetchone()[0]
            cursor.execute(usd_line, [entry_id, "1303", 5, 0])
            cursor.execute(usd_line, [entry_id, "1002", 0, 5])
    assert not JournalLine.objects.exists()


def test_a_line_in_another_currency_than_its_account_is_refused(usd_accounts):
    to_usd_account = LINE_SQL.replace("code = %s", "code = %s AND currency = 'USD'")
    with pytest.raises(IntegrityError, match="a line in CNY cannot post to account 1303 .* in USD"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(ENTRY_SQL, ["cny"])
            entry_id = cursor.fetchone()[0]
            cursor.execute(to_usd_account, [entry_id, "1303", 5, 0])
            cursor.execute(LINE_SQL, [entry_id, "1002", 0, 5])
    assert not JournalLine.objects.exists()


def test_postings_in_another_currency_still_go_through(usd_accounts):
    from dataclasses import replace

    result = entry_post(spec=replace(transfer("usd", "7.00", debit_loan=3), currency="USD"))
    assert JournalEntry.objects.get(pk=result.entry_id).currency == "USD"
    assert set(JournalLine.objects.values_list("currency", flat=True)) == {"USD"}
