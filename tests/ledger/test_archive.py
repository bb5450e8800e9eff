"""Archiving old months of the journal: the lines move to the archive schema, where they stay
readable and immutable; balances read the same through the openings kept; archived and open
months are protected (issue 20)."""

import os
import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from ledger.errors import JournalMaintenanceRefused, PostingRejected
from ledger.models import JournalEntry, JournalLine
from ledger.partitions import journal_archive, journal_layout, journal_partitions_ensure
from ledger.selectors import (
    account_balance,
    loan_balances,
    stored_balances_match_lines,
    trial_balance,
)
from ledger.services import business_date_open, entries_post_bulk, entry_post, entry_reverse

from .helpers import transfer

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 10)  # the last closed business date is in April: March is closed
MONTHS = [date(2026, month, day) for month, day in ((1, 5), (1, 28), (2, 14), (3, 3), (4, 2))]


@pytest.fixture
def books():
    """Loans 1 and 2 with receivables, accrued income by loan and cash, in January to April."""
    business_date_open(on=TODAY)
    journal_partitions_ensure(since=date(2026, 1, 1), through=TODAY)
    entries = []
    for n, day in enumerate(MONTHS):
        loan = n % 2 + 1
        entries.append(
            entry_post(spec=transfer(f"lend{n}", f"{100 + n}.00", debit_loan=loan, on=day))
        )
        entry_post(
            spec=transfer(
                f"accrue{n}",
                f"{n + 1}.25",
                debit="1132",
                credit="6011",
                debit_loan=loan,
                credit_loan=loan,
                on=day,
            )
        )
    return entries


DATES = [None, date(2026, 1, 20), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 31), TODAY]


def everything_read() -> list:
    reads = [(str(as_of), trial_balance(as_of=as_of).rows) for as_of in DATES]
    for as_of in DATES:
        reads.append(("1303", as_of, account_balance(code="1303", as_of=as_of)))
        for loan in (1, 2):
            reads.append((loan, as_of, loan_balances(loan_id=loan, as_of=as_of)))
    return reads


def test_archiving_moves_old_months_and_every_balance_reads_the_same(books):
    before = everything_read()
    lines_before_march = JournalLine.objects.filter(business_date__lt=date(2026, 3, 1)).count()

    result = journal_archive(before=date(2026, 3, 1))

    assert result.partitions == ["ledger_journalline_y2026m01", "ledger_journalline_y2026m02"]
    assert result.lines == lines_before_march == 12
    assert everything_read() == before
    assert stored_balances_match_lines() == []
    assert trial_balance().balanced and trial_balance(as_of=date(2026, 2, 28)).balanced
    assert not JournalLine.objects.filter(business_date__lt=date(2026, 3, 1)).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text, count(*), sum(debit) FROM ledger_archive.journalline"
            " GROUP BY 1 ORDER BY 1"
        )
        assert cursor.fetchall() == [
            ("ledger_archive.ledger_journalline_y2026m01", 8, Decimal("204.50")),
            ("ledger_archive.ledger_journalline_y2026m02", 4, Decimal("105.25")),
        ]
    layout = journal_layout()
    assert layout.archived_before == date(2026, 3, 1)
    assert [month for month, _ in layout.partitions][0] == date(2026, 3, 1)

    # Archiving further later keeps the carried totals adding up.
    business_date_open(on=TODAY)
    result = journal_archive(before=date(2026, 4, 1))
    assert result.lines == 4
    assert everything_read() == before


def test_posting_into_an_archived_month_is_refused(books):
    journal_archive(before=date(2026, 3, 1))
    with pytest.raises(PostingRejected, match="2026-02-27 is in an archived month"):
        with transaction.atomic():
            entry_post(spec=transfer("late", "1.00", on=date(2026, 2, 27)))
    with pytest.raises(PostingRejected, match="archived month"):
        with transaction.atomic():
            entries_post_bulk(
                specs=[
                    transfer("bulk-late", "1.00", on=date(2026, 1, 2)),
                    transfer("bulk-now", "1.00", on=TODAY),
                ]
            )
    with pytest.raises(IntegrityError, match="journalline_month_archived"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_journalline (entry_id, account_id, debit, credit, currency,"
                " business_date) SELECT %s, id, 1, 0, 'CNY', '2025-06-30' FROM ledger_account"
                " WHERE code = '1303' AND currency = 'CNY'",
                [books[0].entry_id],
            )
    assert not JournalEntry.objects.filter(idempotency_key__in=["late", "bulk-now"]).exists()
    entry_post(spec=transfer("now", "1.00", on=TODAY))  # open months take postings as before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_archive.journalline SET debit = debit + 1 WHERE debit > 0",
        "DELETE FROM ledger_archive.journalline",
        "DELETE FROM ledger_archive.ledger_journalline_y2026m01",
        "INSERT INTO ledger_archive.ledger_journalline_y2026m01 (entry_id, account_id, debit,"
        " credit, currency, business_date) VALUES (1, 1, 1, 0, 'CNY', '2026-01-02')",
        "TRUNCATE ledger_archive.journalline",
        "TRUNCATE ledger_archive.ledger_journalline_y2026m01",
        "DELETE FROM ledger_loanopening",
        "UPDATE ledger_loanopening SET debit_total = 0",
        "DELETE FROM ledger_journalarchive",
    ],
)
def test_archived_lines_and_their_totals_are_immutable(books, sql):
    journal_archive(before=date(2026, 2, 1))
    before = everything_read()
    with pytest.raises(IntegrityError, match="ledger: "):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql)
    assert everything_read() == before


@pytest.mark.parametrize(
    "before, message",
    [
        (date(2026, 5, 1), "2026-04 and later months are open"),
        (date(2026, 4, 1), None),
        (date(2026, 3, 15), "not a first day"),
    ],
)
def test_open_months_cannot_be_archived(books, before, message):
    business_date_open(on=TODAY)
    if message is None:
        with connection.cursor() as cursor:  # the first of the month: March still open
            cursor.execute("UPDATE ledger_businessdate SET current = '2026-04-01'")
        message = "2026-03 and later months are open"
    with pytest.raises(JournalMaintenanceRefused, match=message):
        journal_archive(before=before)
    assert journal_layout().archived_before is None


def test_the_database_refuses_to_archive_an_open_month_too(books):
    with pytest.raises(IntegrityError, match="still open"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_journalarchive (before, archived_at, lines)"
                " VALUES ('2026-05-01', now(), 0)"
            )
    assert journal_layout().archived_before is None


def test_an_archived_entry_can_still_be_reversed(books):
    journal_archive(before=date(2026, 2, 1))
    first = books[0].entry_id
    reversal = entry_reverse(entry_id=first, business_date=TODAY)
    lines = sorted(
        JournalLine.objects.filter(entry_id=reversal.entry_id).values_list(
            "account__code", "loan_id", "debit", "credit"
        )
    )
    assert lines == [("1002", None, Decimal("100.00"), 0), ("1303", 1, 0, Decimal("100.00"))]
    assert loan_balances(loan_id=1)["1303"] == Decimal("206.00")  # 100 + 102 + 104 - 100


def test_the_commands(books):
    out = StringIO()
    call_command("journal_partitions", "--ahead", "2", stdout=out)
    assert "created ledger_journalline_y2026m06" in out.getvalue()
    assert "captured the opening balances of 2026-04" in out.getvalue()
    with pytest.raises(CommandError, match="2026-04 and later months are open"):
        call_command("journal_archive", "--before", "2026-05")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("journal_archive", "--before", "March")
    with pytest.raises(CommandError, match="between 0 and 120"):
        call_command("journal_partitions", "--ahead", "-1")
    out = StringIO()
    call_command("journal_archive", "--before", "2026-03", stdout=out)
    assert "12 lines before 2026-03 are in ledger_archive.journalline" in out.getvalue()


def test_a_month_without_a_partition_is_reported_when_its_lines_are_moved(books):
    entry_post(spec=transfer("ahead", "2.00", on=date(2026, 6, 3)))
    out = StringIO()
    call_command("journal_partitions", "--ahead", "3", stdout=out)
    assert "2 lines were in the default partition" in out.getvalue()
    assert journal_layout().default_lines == 0


SQLITE_DEMO = """
from datetime import date
from decimal import Decimal

import django
django.setup()
from django.core.management import call_command

call_command("migrate", verbosity=0)
from ledger.errors import JournalMaintenanceRefused
from ledger.partitions import journal_archive, journal_openings_capture, journal_partitions_ensure
from ledger.selectors import loan_balances, trial_balance
from ledger.services import EntrySpec, LineSpec, entry_post

entry_post(spec=EntrySpec(kind="demo", business_date=date(2026, 1, 5), idempotency_key="d",
    lines=(LineSpec(account="1303", debit=Decimal("5.00"), loan_id=1),
           LineSpec(account="1002", credit=Decimal("5.00")))))
assert journal_partitions_ensure(through=date(2026, 3, 31)).created == []
assert journal_openings_capture(through=date(2026, 1, 31)) == []
assert trial_balance(as_of=date(2026, 1, 31)).balanced
assert loan_balances(loan_id=1, as_of=date(2026, 2, 1)) == {"1303": Decimal("5.00")}
try:
    journal_archive(before=date(2026, 2, 1))
except JournalMaintenanceRefused:
    print("demo ok")
"""


@pytest.mark.slow
def test_the_sqlite_demo_migrates_and_reads_without_partitions(tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    done = subprocess.run(
        [sys.executable, "-c", SQLITE_DEMO],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("demo ok")


def test_bulk_postings_land_in_their_months(books):
    specs = [replace(transfer(f"b{n}", "1.00", on=date(2026, 3, 5 + n))) for n in range(3)]
    entries_post_bulk(specs=specs + [transfer("b-later", "1.00", on=date(2026, 9, 1))])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT l.tableoid::regclass::text FROM ledger_journalline l"
            " JOIN ledger_journalentry e ON e.id = l.entry_id WHERE e.idempotency_key LIKE 'b%%'"
        )
        assert {row[0] for row in cursor.fetchall()} == {
            "ledger_journalline_y2026m03",
            "ledger_journalline_default",
        }
    assert stored_balances_match_lines() == []


def test_an_account_whose_lines_are_all_archived_keeps_its_type_and_cannot_be_deleted(books):
    from ledger.models import Account

    Account.objects.create(code="1999", name="Old suspense", type="asset", normal_side="debit")
    entry_post(spec=transfer("old", "3.00", debit="1999", on=date(2026, 1, 7)))
    journal_archive(before=date(2026, 3, 1))
    assert not JournalLine.objects.filter(account__code="1999").exists()
    for sql, message in (
        ("UPDATE ledger_account SET type = 'income' WHERE code = '1999'", "type cannot change"),
        ("DELETE FROM ledger_account WHERE code = '1999'", "violates foreign key"),
    ):
        with pytest.raises(IntegrityError, match=message):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(sql)
    assert account_balance(code="1999") == Decimal("3.00")


def test_totals_by_entry_kind_read_archived_months_too(books):
    from ledger.selectors import loan_kind_totals

    written = entry_post(
        spec=transfer(
            "write-off-1", "40.00", debit="6711", credit="1303", credit_loan=1,
            on=date(2026, 1, 30), kind="write_off",
        )
    )  # fmt: skip
    entry_reverse(
        entry_id=written.entry_id, business_date=date(2026, 2, 10), idempotency_key="undo-1"
    )
    entry_post(
        spec=transfer(
            "write-off-2", "15.00", debit="6711", credit="1303", credit_loan=1,
            on=date(2026, 3, 20), kind="write_off",
        )
    )  # fmt: skip

    def read():
        rows = loan_kind_totals(loan_ids=[1, 2], codes=["1303"], kinds=["write_off"])
        return sorted((r.loan_id, r.code, r.kind, r.debit, r.credit, r.last_date) for r in rows)

    before = read()
    # The reversal counts under the write-off's kind: 40 + 15 credited, 40 debited back.
    assert before == [
        (1, "1303", "write_off", Decimal("40.00"), Decimal("55.00"), date(2026, 3, 20))
    ]
    journal_archive(before=date(2026, 3, 1))
    assert read() == before


def test_a_loans_entries_read_archived_months_too(books):
    from ledger.selectors import loan_entry_totals

    entry_post(
        spec=transfer(
            "waive-1", "3.00", debit="6011", credit="1132", credit_loan=1,
            on=date(2026, 2, 3), kind="fee_waiver",
        )
    )  # fmt: skip

    def read():
        return loan_entry_totals(
            loan_id=1, codes=["1132"], kinds=["fee_waiver", "test"], as_of=TODAY
        )

    before = read()
    assert [(t.kind, t.business_date, t.credit) for t in before if t.kind == "fee_waiver"] == [
        ("fee_waiver", date(2026, 2, 3), Decimal("3.00"))
    ]
    journal_archive(before=date(2026, 3, 1))
    assert read() == before
