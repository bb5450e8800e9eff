"""Monthly opening balances: computed by the database when a month is recorded, kept equal to the
lines when a line is posted before it later, and read with one month's partition, the others
pruned (issue 20)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ledger.errors import JournalMaintenanceRefused
from ledger.models import MonthOpening
from ledger.partitions import journal_openings_capture, journal_partitions_ensure
from ledger.selectors import account_balance, trial_balance
from ledger.services import business_date_open, entries_post_bulk, entry_post

from .helpers import transfer

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 10)
POSTINGS = [  # (day, debit account, credit account, amount)
    (date(2026, 1, 5), "1303", "1002", "100.00"),
    (date(2026, 1, 31), "1132", "6011", "3.10"),
    (date(2026, 2, 14), "1002", "1303", "40.00"),
    (date(2026, 3, 1), "1132", "6011", "2.90"),
    (date(2026, 3, 20), "1303", "1002", "55.00"),
    (date(2026, 4, 2), "1002", "1132", "6.00"),
]


@pytest.fixture
def books():
    business_date_open(on=TODAY)
    journal_partitions_ensure(since=date(2026, 1, 1), through=TODAY)
    for n, (day, debit, credit, amount) in enumerate(POSTINGS):
        entry_post(
            spec=transfer(f"p{n}", amount, debit=debit, credit=credit, debit_loan=n % 2, on=day)
        )


def sums_from_every_line(as_of: date | None) -> dict[str, tuple[Decimal, Decimal]]:
    """The trial balance the slow way, straight from every line."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.code, sum(l.debit), sum(l.credit) FROM ledger_journalline l"
            " JOIN ledger_account a ON a.id = l.account_id"
            " WHERE %s::date IS NULL OR l.business_date <= %s::date GROUP BY a.code",
            [as_of, as_of],
        )
        return {code: (debit, credit) for code, debit, credit in cursor.fetchall()}


def read(as_of: date | None) -> dict[str, tuple[Decimal, Decimal]]:
    return {
        row.code: (row.debit, row.credit)
        for row in trial_balance(as_of=as_of).rows
        if row.debit or row.credit
    }


def scanned_partitions(as_of: date) -> set[str]:
    """The partitions the trial balance's read of lines at a date touches, from its plan."""
    with CaptureQueriesContext(connection) as queries:
        trial_balance(as_of=as_of)
    (sql,) = [q["sql"] for q in queries.captured_queries if '"ledger_journalline"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    found, nodes = set(), [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if "Relation Name" in node:
            found.add(node["Relation Name"])
        nodes += node.get("Plans", [])
    return found


DATES = [None, date(2026, 1, 20), date(2026, 2, 1), date(2026, 3, 1), date(2026, 3, 25), TODAY]


def test_captured_openings_are_the_totals_of_every_line_before_the_month(books):
    assert journal_openings_capture(through=date(2026, 2, 3)) == [date(2026, 2, 1)]
    assert journal_openings_capture(through=TODAY) == [date(2026, 3, 1), date(2026, 4, 1)]
    assert journal_openings_capture(through=TODAY) == []  # idempotent
    for month in (date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)):
        kept = {
            row.account.code: (row.debit_total, row.credit_total)
            for row in MonthOpening.objects.filter(month=month).select_related("account")
        }
        assert kept == sums_from_every_line(month - timedelta(days=1)), month
    for as_of in DATES:
        assert read(as_of) == sums_from_every_line(as_of), as_of
    assert trial_balance(as_of=date(2026, 3, 25)).balanced


def test_a_line_posted_before_a_recorded_month_is_added_to_its_openings(books):
    journal_openings_capture(through=date(2026, 2, 1))
    journal_openings_capture(through=TODAY)
    entry_post(spec=transfer("late", "9.99", debit="1303", credit="1002", on=date(2026, 1, 20)))
    entry_post(spec=transfer("late2", "1.01", debit="1132", credit="6011", on=date(2026, 3, 31)))
    # Bulk posting copies straight into the month's partition: its own trigger keeps openings.
    entries_post_bulk(
        specs=[transfer("late3", "0.50", debit="1002", credit="6011", on=date(2026, 2, 2))]
    )
    for as_of in DATES:
        assert read(as_of) == sums_from_every_line(as_of), as_of
    assert account_balance(code="1303", as_of=date(2026, 2, 1)) == Decimal("109.99")


def test_a_past_date_read_scans_one_partition(books):
    journal_openings_capture(through=date(2026, 2, 1))
    journal_openings_capture(through=TODAY)
    assert scanned_partitions(date(2026, 3, 25)) == {"ledger_journalline_y2026m03"}
    assert scanned_partitions(date(2026, 2, 14)) == {"ledger_journalline_y2026m02"}
    # Before the first recorded month every line up to the date is summed; later months are
    # still pruned (the default partition stays: it may hold lines of any month before them).
    assert scanned_partitions(date(2026, 1, 20)) == {
        "ledger_journalline_y2026m01",
        "ledger_journalline_default",
    }


def test_without_openings_a_read_still_skips_later_months(books):
    assert scanned_partitions(date(2026, 2, 14)) == {
        "ledger_journalline_y2026m01",
        "ledger_journalline_y2026m02",
        "ledger_journalline_default",
    }


@pytest.mark.parametrize(
    "through, message",
    [(date(2026, 5, 1), "has not begun")],
)
def test_openings_of_a_month_not_begun_are_refused(books, through, message):
    with pytest.raises(JournalMaintenanceRefused, match=message):
        journal_openings_capture(through=through)
    assert not MonthOpening.objects.exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_monthopening SET debit_total = 0",
        "DELETE FROM ledger_monthopening",
        "INSERT INTO ledger_monthopening (month, account_id, debit_total, credit_total)"
        " SELECT '2026-03-01', id, 1, 0 FROM ledger_account WHERE code = '1303'",
        "TRUNCATE ledger_monthopening",
        "DELETE FROM ledger_journalmonth",
        "UPDATE ledger_journalmonth SET month = '2026-05-01'",
        "INSERT INTO ledger_journalmonth (month, openings_captured_at) VALUES ('2026-03-02', now())",
    ],
    ids=["update", "delete", "insert", "truncate", "forget-month", "move-month", "mid-month"],
)
def test_openings_are_written_only_by_the_database(books, sql):
    journal_openings_capture(through=TODAY)
    kept = list(MonthOpening.objects.values_list("account_id", "debit_total", "credit_total"))
    with pytest.raises(IntegrityError, match="ledger: "):
        with transaction.atomic(), connection.cursor() as cursor:
            # Deferred foreign-key checks fire first: TRUNCATE waits for no pending event.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql)
    assert list(MonthOpening.objects.values_list("account_id", "debit_total", "credit_total")) == (
        kept
    )
