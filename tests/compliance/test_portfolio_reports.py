"""Every report on a simulated portfolio: totals equal the ledger for the same dates, exports
read back to the same numbers, and a report of a past date is the same when produced again after
more has happened.

One scenario (the portfolio takes 125 closes to build), checked section by section."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from compliance.models import LoanMonthEnd, MonthEndCapture
from compliance.reports.credit_bureau import LAYOUT_VERSION, RECORD_LENGTH
from compliance.reports.month_end import month_end_capture
from compliance.reports.registry import REPORTS
from ledger import chart
from ledger.models import JournalLine
from ledger.partitions import journal_archive, journal_layout
from loans.models import Loan, PortfolioSnapshot

from .helpers import (
    balance,
    exported,
    ledger_receivables,
    movement,
    produce,
    round_trip,
)
from .portfolio import build_portfolio, close_until, repay_due

pytestmark = pytest.mark.django_db

MID_FEBRUARY, END_OF_FEBRUARY, MARCH_9 = date(2026, 2, 10), date(2026, 2, 28), date(2026, 3, 9)
DATES = (MID_FEBRUARY, END_OF_FEBRUARY, MARCH_9)
YEAR_START = date(2026, 1, 1)


def check_aging(on: date) -> None:
    report = produce("aging", on)
    assert {name: report.totals[name] for name in ledger_receivables(on)} == ledger_receivables(on)
    assert sum((row[4] for row in report.rows), Decimal(0)) == report.totals["principal"]
    assert sum(row[3] for row in report.rows) == report.totals["loans"]
    overdue = sum((row[4] for row in report.rows if row[2] != "current"), Decimal(0))
    assert overdue == report.totals["overdue_principal"]
    assert report.totals["overdue_rate_by_balance"] == (
        overdue / report.totals["principal"]
    ).quantize(Decimal("0.000001"))


def check_classification(on: date) -> None:
    totals = produce("classification", on).totals
    assert totals["principal"] == balance(chart.LOANS_PRINCIPAL, on)
    assert totals["provision_booked"] == balance(chart.ALLOWANCE, on) == totals["allowance_ledger"]
    assert totals["allowance_without_loan"] == 0
    # The close books each day exactly what the classification requires.
    assert totals["provision_required"] == totals["provision_booked"]


def check_income(on: date) -> None:
    accounts = {
        "interest_income": chart.INTEREST_INCOME,
        "fee_income": chart.FEE_INCOME,
        "penalty_income": chart.PENALTY_INCOME,
        "recoveries": chart.RECOVERIES,
        "write_offs": chart.WRITE_OFF_EXPENSE,
        "credit_impairment": chart.CREDIT_IMPAIRMENT,
    }
    for start in (on.replace(day=1), YEAR_START):
        report = produce("income", on, start=start)
        totals = report.totals
        assert {name: totals[name] for name in accounts} == {
            name: movement(code, start, on) for name, code in accounts.items()
        }
        # every line of the close and of the lifecycle carries its loan, hence its product
        assert {row[1] for row in report.rows} <= {"cash", "risky", "shop"}


def check_bureau(on: date) -> None:
    report = produce("credit_bureau", on)
    assert report.totals["balance"] == balance(chart.LOANS_PRINCIPAL, on)
    assert report.totals["records"] == len(report.rows)
    lines = exported("credit_bureau", on, "txt").splitlines()
    assert all(len(line) == RECORD_LENGTH for line in lines)
    assert lines[0].startswith(f"HILCB{LAYOUT_VERSION}") and lines[-1].startswith("T")
    assert (
        report.totals["recovered"]
        == sum((row[12] for row in report.rows), Decimal(0))
        == movement(chart.RECOVERIES, YEAR_START, on)
    )
    assert int(lines[-1][1:10]) == len(lines) - 2
    import hashlib

    body = "".join(line + "\n" for line in lines[1:-1]).encode()
    assert lines[-1][46:110] == hashlib.sha256(body).hexdigest() == report.totals["body_sha256"]


def check_roll_rates(on: date) -> None:
    totals = produce("roll_rates", on).totals
    assert totals["end_principal"] == balance(chart.LOANS_PRINCIPAL, on)
    start = on.replace(day=1) - timedelta(days=1)
    assert totals["start_principal"] == balance(chart.LOANS_PRINCIPAL, start)


def check_vintage(on: date) -> None:
    totals = produce("vintage", on).totals
    assert totals["principal_outstanding"] == balance(chart.LOANS_PRINCIPAL, on)
    disbursed = Loan.objects.filter(disbursed_on__lte=on).aggregate(total=Sum("principal"))
    assert totals["principal_disbursed"] == disbursed["total"]
    written = JournalLine.objects.filter(
        account__code=chart.LOANS_PRINCIPAL, entry__kind="write_off", business_date__lte=on
    ).aggregate(total=Sum("credit"))
    assert totals["written_off"] == (written["total"] or 0)


def check_rate_cap(on: date) -> None:
    report = produce("rate_cap", on, start=YEAR_START)
    totals = report.totals
    assert totals["loans"] == Loan.objects.filter(disbursed_on__lte=on).count()
    assert totals["breaches"] == 0 and totals["errors"] == 0
    assert totals["principal"] == totals["principal_disbursed_ledger"]
    assert all(row[11] is True for row in report.rows)


PAST_DATES = [name for name, spec in REPORTS.items() if not spec.latest_only]


def check_round_trips(on: date) -> None:
    for name in PAST_DATES:
        rows, csv_rows, document, json_rows = round_trip(name, on)
        assert csv_rows == rows, name
        assert json_rows == rows, name
        totals = produce(name, on).totals
        for key in ("loans", "principal", "records", "balance", "interest_income", "attempts"):
            if key in totals:
                assert document["totals"][key] == (
                    totals[key] if isinstance(totals[key], int) else str(totals[key])
                ), (name, key)


def fingerprint(on: date) -> dict:
    out = {}
    for name in PAST_DATES:
        start = YEAR_START if name in ("rate_cap", "income") else None
        report = produce(name, on, start=start)
        out[name] = (report.rows, report.totals)
    return out


@pytest.mark.slow
def test_reports_reconcile_with_the_ledger_and_stay_the_same_for_past_dates():
    # Given a portfolio closed every day from 2026-01-01 to 2026-03-09 (month ends captured)
    portfolio = build_portfolio(date(2026, 3, 10))

    # Then every report's totals equal the ledger's balances for the same date
    for on in DATES:
        check_aging(on)
        check_classification(on)
        check_income(on)
        check_bureau(on)
        check_roll_rates(on)
        check_vintage(on)
        check_rate_cap(on)
    # And every export reads back to the same rows and totals
    check_round_trips(MARCH_9)
    first = {on: fingerprint(on) for on in DATES}

    # When more happens: repayments (one loan back to current) and ten more closes
    def actions(today: date) -> None:
        repay_due(portfolio.loan("on_time"), today, f"more-on_time:{today}")
        if today == date(2026, 3, 11):
            repay_due(portfolio.loan("behind"), today, f"more-behind:{today}")

    close_until(date(2026, 3, 20), actions)

    # Then each report of those dates is the same as when it was first produced
    for on in DATES:
        assert fingerprint(on) == first[on], on

    # And with the close's stored state gone, the history rebuilt gives the same reports
    days = (date(2026, 1, 20), MID_FEBRUARY, MARCH_9)
    PortfolioSnapshot.objects.filter(business_date__in=days).delete()
    month_end_capture(business_date=END_OF_FEBRUARY, replace=True)
    assert MonthEndCapture.objects.get(month_end=END_OF_FEBRUARY).source == "reconstructed"
    for on in DATES:
        assert fingerprint(on) == first[on], on
    rebuilt = produce("aging", date(2026, 1, 20))
    assert rebuilt.meta["state_source"] == "reconstructed"
    assert LoanMonthEnd.objects.filter(month_end=END_OF_FEBRUARY).count() == len(
        first[END_OF_FEBRUARY]["credit_bureau"][0]
    )

    # And with January and February archived, the reports that read lines read the archive too
    journal_archive(before=date(2026, 3, 1))
    assert journal_layout().archived_before == date(2026, 3, 1)
    for on in DATES:
        assert fingerprint(on) == first[on], on
