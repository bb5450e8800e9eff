"""The ledger's rules hold on every partition of the journal, whichever way lines arrive: an INSERT
or COPY through the partitioned table (its statement triggers fire, the partitions' do not), or
straight into a partition (the partition's fire), including the default partition and a partition
created later (migration 0006)."""

from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from ledger.models import JournalLine, LoanAccountBalance
from ledger.partitions import journal_partitions_ensure
from ledger.selectors import stored_balances_match_lines, trial_balance
from ledger.services import entry_post

from .helpers import transfer

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = date(2026, 1, 10), date(2026, 2, 10), date(2026, 3, 10)
LATER = date(2026, 7, 10)  # no partition until a test creates one
# A COPY's errors come from psycopg itself, not through Django's cursor.
REFUSED = (DatabaseError, psycopg.Error)


@pytest.fixture
def months():
    """Partitions for January to March 2026; later months land in the default partition."""
    return journal_partitions_ensure(since=JAN, through=MAR).created


def commit_checks():
    """What COMMIT would check, inside the test's transaction: the deferred constraint triggers
    (entries balance, entries have lines) fire now."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def table_of(day: date) -> str:
    return "ledger_journalline" if day == LATER else f"ledger_journalline_y{day:%Ym%m}"


def partition_holding(entry_id: int) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tableoid::regclass::text FROM ledger_journalline WHERE entry_id = %s",
            [entry_id],
        )
        return {row[0] for row in cursor.fetchall()}


def raw_entry(cursor, key: str, day: date) -> int:
    cursor.execute(
        "INSERT INTO ledger_journalentry (business_date, value_date, kind, memo, currency,"
        " idempotency_key, content_hash, created_at, created_by)"
        " VALUES (%s, %s, 'raw', '', 'CNY', %s, '', now(), 'sql') RETURNING id",
        [day, day, key],
    )
    return cursor.fetchone()[0]


def account_id(cursor, code: str) -> int:
    cursor.execute("SELECT id FROM ledger_account WHERE code = %s AND currency = 'CNY'", [code])
    return cursor.fetchone()[0]


def write_lines(cursor, how: str, table: str, rows: list[tuple]) -> None:
    """rows: (entry, account id, loan, debit, credit, day), written by INSERT or COPY."""
    columns = "(entry_id, account_id, loan_id, debit, credit, currency, business_date)"
    if how == "insert":
        cursor.execute(
            f"INSERT INTO {table} {columns} VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s, 'CNY', %s)"] * len(rows)),
            [value for row in rows for value in row],
        )
        return
    with cursor.cursor.copy(f"COPY {table} {columns} FROM STDIN") as copy:
        for entry, account, loan, debit, credit, day in rows:
            copy.write_row((entry, account, loan, debit, credit, "CNY", day))


ROUTES = [
    ("insert", "parent"),
    ("copy", "parent"),
    ("insert", "partition"),
    ("copy", "partition"),
]
DAYS = [JAN, MAR, LATER]


def _target(route: str, day: date) -> str:
    return "ledger_journalline" if route == "parent" else table_of(day)


@pytest.mark.parametrize("day", DAYS, ids=["jan", "mar", "default"])
@pytest.mark.parametrize("how, route", ROUTES, ids=[f"{h}-{r}" for h, r in ROUTES])
def test_a_balanced_entry_keeps_stored_balances_exactly_once(months, how, route, day):
    with connection.cursor() as cursor:
        entry = raw_entry(cursor, "ok", day)
        receivable, cash = account_id(cursor, "1303"), account_id(cursor, "1002")
        write_lines(
            cursor,
            how,
            _target(route, day),
            [(entry, receivable, 7, 5, 0, day), (entry, cash, None, 0, 5, day)],
        )
    commit_checks()
    stored = LoanAccountBalance.objects.get(loan_id=7)
    assert (stored.debit_total, stored.credit_total) == (Decimal("5.00"), Decimal("0"))
    assert stored_balances_match_lines() == []
    expected = "ledger_journalline_default" if day == LATER else table_of(day)
    assert partition_holding(entry) == {expected}


@pytest.mark.parametrize("day", DAYS, ids=["jan", "mar", "default"])
@pytest.mark.parametrize("how, route", ROUTES, ids=[f"{h}-{r}" for h, r in ROUTES])
def test_an_unbalanced_entry_is_refused_at_commit(months, how, route, day):
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic(), connection.cursor() as cursor:
            entry = raw_entry(cursor, "bad", day)
            receivable, cash = account_id(cursor, "1303"), account_id(cursor, "1002")
            write_lines(
                cursor,
                how,
                _target(route, day),
                [(entry, receivable, None, 5, 0, day), (entry, cash, None, 0, 4, day)],
            )
            commit_checks()
    assert not JournalLine.objects.exists()


@pytest.mark.parametrize("how", ["insert", "copy"])
def test_lines_written_into_a_partition_are_checked_like_any(months, how):
    entry = entry_post(spec=transfer("ok", "5.00", on=FEB)).entry_id
    with connection.cursor() as cursor:
        cash = account_id(cursor, "1002")
    february = table_of(FEB)
    refusals = [
        ("journal entry 99999999 which does not exist", [(99999999, cash, None, 1, 0, FEB)]),
        ("account 987654 which does not exist", [(entry, 987654, None, 1, 0, FEB)]),
        ("violates partition constraint", [(entry, cash, None, 1, 0, MAR)]),
        ("line_debit_xor_credit_positive", [(entry, cash, None, 0, 0, FEB)]),
    ]
    for message, rows in refusals:
        with pytest.raises(REFUSED, match=message):
            with transaction.atomic(), connection.cursor() as cursor:
                write_lines(cursor, how, february, rows)


def test_an_entry_whose_lines_went_into_a_partition_is_not_an_entry_without_lines(months):
    with connection.cursor() as cursor:
        entry = raw_entry(cursor, "ok", FEB)
        receivable, cash = account_id(cursor, "1303"), account_id(cursor, "1002")
        write_lines(cursor, "insert", table_of(FEB), [(entry, receivable, None, 5, 0, FEB)])
        write_lines(cursor, "copy", table_of(FEB), [(entry, cash, None, 0, 5, FEB)])
    commit_checks()
    with pytest.raises(IntegrityError, match="has no lines"):
        with transaction.atomic(), connection.cursor() as cursor:
            raw_entry(cursor, "empty", FEB)
            commit_checks()


def test_a_line_in_a_partition_keeps_the_currency_rules(months):
    from ledger.models import Account

    Account.objects.create(
        code="1303", name="USD", type="asset", normal_side="debit", currency="USD"
    )
    with pytest.raises(REFUSED, match="a line in CNY cannot post to account 1303"):
        with transaction.atomic(), connection.cursor() as cursor:
            entry = raw_entry(cursor, "cny", FEB)
            cursor.execute("SELECT id FROM ledger_account WHERE code = '1303' AND currency = 'USD'")
            write_lines(
                cursor, "copy", table_of(FEB), [(entry, cursor.fetchone()[0], None, 5, 0, FEB)]
            )


@pytest.mark.parametrize(
    "table",
    [
        "ledger_journalline_y2026m01",
        "ledger_journalline_y2026m03",
        "ledger_journalline_default",
        "ledger_journalline",
    ],
)
@pytest.mark.parametrize(
    "sql, message",
    [
        ("UPDATE {table} SET debit = debit + 1 WHERE debit > 0", "immutable"),
        ("DELETE FROM {table}", "immutable"),
        ("TRUNCATE {table}", "TRUNCATE of ledger_journalline.* is not allowed"),
    ],
    ids=["update", "delete", "truncate"],
)
def test_no_partition_can_be_changed(months, table, sql, message):
    for day in (JAN, MAR, LATER):
        entry_post(spec=transfer(f"k{day}", "10.00", debit_loan=1, on=day))
    with pytest.raises(IntegrityError, match=message):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql.format(table=table))
    assert JournalLine.objects.filter(debit=10).count() == 3
    assert LoanAccountBalance.objects.get(loan_id=1).debit_total == Decimal("30.00")


def test_a_partition_created_later_takes_the_lines_waiting_in_the_default_one(months):
    posted = [entry_post(spec=transfer(f"k{n}", "4.00", debit_loan=2, on=LATER)) for n in (1, 2)]
    assert partition_holding(posted[0].entry_id) == {"ledger_journalline_default"}
    before = trial_balance(as_of=LATER).rows

    ensured = journal_partitions_ensure(since=LATER, through=LATER)

    assert ensured.moved_from_default == 4
    assert ensured.created == [
        f"ledger_journalline_y2026m{month:02}" for month in range(4, 8)
    ]  # contiguous with March
    july = "ledger_journalline_y2026m07"
    assert partition_holding(posted[1].entry_id) == {july}
    assert trial_balance(as_of=LATER).rows == before
    assert stored_balances_match_lines() == []
    # The new partition keeps every rule: its own triggers check a write that names it...
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic(), connection.cursor() as cursor:
            entry = raw_entry(cursor, "bad", LATER)
            write_lines(cursor, "copy", july, [(entry, account_id(cursor, "1303"), 2, 1, 0, LATER)])
            commit_checks()
    # ...and the rules cloned from the parent refuse changes and TRUNCATE.
    for sql in (f"DELETE FROM {july}", f"TRUNCATE {july}", "TRUNCATE ledger_journalline_default"):
        with pytest.raises(IntegrityError, match="immutable|not allowed"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    # A line posted now, through the posting service, lands in July's partition.
    later = entry_post(spec=transfer("k3", "1.00", debit_loan=2, on=LATER))
    assert partition_holding(later.entry_id) == {july}
    assert LoanAccountBalance.objects.get(loan_id=2).debit_total == Decimal("9.00")


def test_ensuring_partitions_is_idempotent(months):
    assert months == [f"ledger_journalline_y2026m0{month}" for month in (1, 2, 3)]
    again = journal_partitions_ensure(since=JAN, through=MAR)
    assert (again.created, again.moved_from_default) == ([], 0)
