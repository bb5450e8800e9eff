"""Reading the ledger the way the reports' totals must match it, and running reports."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from compliance.reports.export import export_chunks, parse_csv, parse_json
from compliance.reports.registry import report_build
from ledger import chart
from ledger.selectors import account_balance

ZERO = Decimal("0")


def balance(code: str, on: date) -> Decimal:
    return account_balance(code=code, as_of=on)


def movement(code: str, start: date, end: date) -> Decimal:
    """An account's change over [start, end] on its normal side."""
    return balance(code, end) - balance(code, start - timedelta(days=1))


def ledger_receivables(on: date) -> dict[str, Decimal]:
    return {
        "principal": balance(chart.LOANS_PRINCIPAL, on),
        "interest": balance(chart.INTEREST_RECEIVABLE, on),
        "fees": balance(chart.FEES_RECEIVABLE, on),
        "penalty": balance(chart.PENALTY_RECEIVABLE, on),
        "interest_suspense": balance(chart.INTEREST_SUSPENSE, on),
    }


def produce(name: str, on: date, **options):
    """The report with its rows read (streamed ones fill their totals as they are read)."""
    report = report_build(name=name, as_of=on, **options)
    report.rows = list(report.rows)
    return report


def exported(name: str, on: date, fmt: str, **options) -> str:
    return "".join(export_chunks(report_build(name=name, as_of=on, **options), fmt))


def round_trip(name: str, on: date, **options) -> tuple[list, list, dict, list]:
    """(rows, rows read back from CSV, JSON document, rows read back from JSON)."""
    report = produce(name, on, **options)
    csv_rows = parse_csv(exported(name, on, "csv", **options), report.columns)
    document = parse_json(exported(name, on, "json", **options))
    return report.rows, csv_rows, document, document["rows_typed"]
