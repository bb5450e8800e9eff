"""Accounting periods: the month-end close (maker-checker), nothing posted into a closed period,
a frozen trial balance, and the GL export."""

import csv
import io
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from ledger.errors import PeriodCloseRefused
from ledger.gl_export import gl_export
from ledger.models import AccountingPeriod, BusinessDate, JournalEntry, PeriodBalance
from ledger.periods import period_close_approve, period_close_request, period_trial_balance
from ledger.services import business_date_open, entries_post_bulk, entry_post

from .helpers import transfer

pytestmark = pytest.mark.django_db
D = Decimal
JANUARY = date(2027, 1, 1)


@pytest.fixture
def january_books():
    """Capital 10,000 in December; in January a 1,000 loan paid out and 15.00 of interest."""
    business_date_open(on=date(2027, 1, 31))
    entry_post(spec=transfer("capital", "10000.00", debit="1002", credit="4001",
                             on=date(2026, 12, 31)))  # fmt: skip
    entry_post(spec=transfer("loan", "1000.00", debit_loan=7, on=date(2027, 1, 10)))
    entry_post(spec=transfer("interest", "15.00", debit="1132", credit="6011", debit_loan=7,
                             credit_loan=7, on=date(2027, 1, 31)))  # fmt: skip
    BusinessDate.objects.update(current=date(2027, 2, 1))


def close_january():
    period_close_request(month=JANUARY, actor="maker")
    return period_close_approve(month=JANUARY, actor="checker")


def test_a_period_closes_only_after_its_last_business_date(january_books):
    BusinessDate.objects.update(current=date(2027, 1, 31))
    with pytest.raises(PeriodCloseRefused, match="business dates to close"):
        period_close_request(month=JANUARY, actor="maker")
    assert not AccountingPeriod.objects.exists()


def test_the_close_needs_a_second_person_and_freezes_the_trial_balance(january_books):
    period_close_request(month=JANUARY, actor="maker")
    with pytest.raises(PeriodCloseRefused, match="another person"):
        period_close_approve(month=JANUARY, actor="maker")
    period = period_close_approve(month=JANUARY, actor="checker")
    assert (period.status, period.closed_by) == ("closed", "checker")
    rows = {row.code: row for row in period_trial_balance(JANUARY)}
    # cash: 10,000 in December, 1,000 paid out in January
    assert (rows["1002"].opening, rows["1002"].movement, rows["1002"].closing) == (
        D("10000.00"),
        D("-1000.00"),
        D("9000.00"),
    )
    assert (rows["6011"].opening, rows["6011"].closing) == (D("0"), D("15.00"))
    assert PeriodBalance.objects.filter(month=JANUARY).count() == len(rows)
    with pytest.raises(PeriodCloseRefused, match="already closed"):
        period_close_request(month=JANUARY, actor="maker")


def test_after_the_first_close_periods_close_in_order(january_books):
    BusinessDate.objects.update(current=date(2027, 4, 1))
    close_january()
    with pytest.raises(PeriodCloseRefused, match="the next to close is 2027-02"):
        period_close_request(month=date(2027, 3, 1), actor="maker")


def test_a_back_dated_correction_is_booked_in_the_open_period_and_says_so(january_books):
    close_january()
    # when a correction dated Jan 20 is posted after January is closed
    spec = transfer("late", "5.00", debit="6011", credit="1132", debit_loan=7, credit_loan=7,
                    on=date(2027, 1, 20))  # fmt: skip
    posted = entry_post(spec=spec)
    # then it keeps its value date but is booked on Feb 1, and its memo says why
    entry = JournalEntry.objects.get(pk=posted.entry_id)
    assert (entry.business_date, entry.value_date) == (date(2027, 2, 1), date(2027, 1, 20))
    assert "period 2027-01 closed" in entry.memo
    # and the closed period's trial balance has not moved
    assert {row.code: row.closing for row in period_trial_balance(JANUARY)}["6011"] == D("15.00")
    # a retry with the same request returns the same entry
    assert entry_post(spec=spec).entry_id == posted.entry_id
    # bulk postings (the close's) are booked the same way
    entries_post_bulk(specs=[transfer("late-bulk", "1.00", on=date(2027, 1, 25))])
    assert JournalEntry.objects.get(idempotency_key="late-bulk").business_date == date(2027, 2, 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database rule on PostgreSQL")
def test_the_database_refuses_any_other_writer_in_a_closed_period(january_books):
    close_january()
    with pytest.raises(DatabaseError, match="is closed"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_journalentry (business_date, value_date, kind, memo, currency,"
                " idempotency_key, content_hash, created_at, created_by)"
                " VALUES ('2027-01-15', '2027-01-15', 'raw', '', 'CNY', 'raw', 'x', now(), 'sql')"
            )


def test_the_gl_export_has_the_lines_and_the_trial_balance_with_erp_accounts(
    january_books, tmp_path
):
    close_january()
    mapping = tmp_path / "erp.csv"
    mapping.write_text("account_code,erp_code,erp_name\n1002,1002.01,Bank CNY\n")
    text = "".join(gl_export(JANUARY, fmt="csv", mapping_path=str(mapping)))
    lines_part, balance_part = text.split("\n\n# trial balance, period 2027-01\n")
    lines = list(csv.DictReader(io.StringIO(lines_part.split("\n", 1)[1])))
    # January's two entries, four lines, in entry order; December's capital is not in it
    assert [(row["account_code"], row["debit"], row["credit"]) for row in lines] == [
        ("1303", "1000.00", "0.00"),
        ("1002", "0.00", "1000.00"),
        ("1132", "15.00", "0.00"),
        ("6011", "0.00", "15.00"),
    ]
    cash = next(row for row in lines if row["account_code"] == "1002")
    assert (cash["erp_account_code"], cash["erp_account_name"]) == ("1002.01", "Bank CNY")
    assert {row["loan_reference"] for row in lines if row["account_code"] == "1303"} == {"7"}
    balances = {row["account_code"]: row for row in csv.DictReader(io.StringIO(balance_part))}
    assert (balances["1002"]["opening"], balances["1002"]["closing"]) == ("10000.00", "9000.00")
    # the JSON export says the same, memos with quotes and backslashes intact
    entry_post(spec=replace(transfer("odd", "1.00", on=date(2027, 2, 1)), memo='a "b" \\ c,\td'))
    data = json.loads("".join(gl_export(JANUARY, fmt="json")))
    assert data["period"] == "2027-01" and data["closed"] is True and len(data["lines"]) == 4
    february = json.loads("".join(gl_export(date(2027, 2, 1), fmt="json")))
    assert [line["memo"] for line in february["lines"]] == ['a "b" \\ c,\td'] * 2
    assert {row["account_code"]: row["closing"] for row in data["trial_balance"]}["4001"] == (
        "10000.00"
    )


def test_the_command_refuses_a_bad_period_and_writes_a_file(january_books, tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("gl_export", "--period", "January")
    out = tmp_path / "gl.json"
    call_command("gl_export", "--period", "2027-01", "--format", "json", "--output", str(out))
    assert json.loads(out.read_text())["closed"] is False


def test_finance_closes_a_period_and_downloads_the_export_in_the_admin(january_books):
    from django.contrib.auth.models import User
    from django.test import Client

    clients = {}
    for name in ("maker", "checker"):
        user = User.objects.create_superuser(name, f"{name}@example.com", "x")
        clients[name] = Client()
        clients[name].force_login(user)
    books = "/admin/ledger/accountingperiod/books/"
    assert clients["maker"].get(books).status_code == 200
    # the maker asks for the close, the checker approves it with the list's action
    response = clients["maker"].post(books, {"period": "2027-01", "format": "csv",
                                             "request_close": "1"})  # fmt: skip
    assert response.status_code == 302
    assert AccountingPeriod.objects.get(month=JANUARY).status == "close_requested"
    changelist = "/admin/ledger/accountingperiod/"
    action = {"action": "approve_close", "_selected_action": ["2027-01-01"]}
    clients["maker"].post(changelist, action)
    assert AccountingPeriod.objects.get(month=JANUARY).status == "close_requested"
    clients["checker"].post(changelist, action)
    assert AccountingPeriod.objects.get(month=JANUARY).status == "closed"
    # and the export downloads, streamed
    response = clients["checker"].get("/admin/ledger/accountingperiod/2027-01/gl.json")
    assert response["Content-Disposition"] == 'attachment; filename="gl_2027-01.json"'
    assert json.loads(b"".join(response.streaming_content))["closed"] is True
    response = clients["checker"].post(books, {"period": "2027-01", "format": "csv"})
    assert b"# trial balance, period 2027-01" in b"".join(response.streaming_content)
