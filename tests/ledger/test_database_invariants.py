"""The ledger's rules hold in PostgreSQL itself, for writers that bypass the posting service."""

import pytest
from django.db import IntegrityError, connection, transaction

from ledger.models import JournalEntry, JournalLine
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
