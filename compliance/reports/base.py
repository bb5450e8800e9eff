"""What every report shares: its parameters, its columns, its rows and totals, its errors."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings

from core.errors import DomainError
from core.money import ZERO

CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.000001")

OPEN_STATUSES = ("active", "delinquent")
SETTLED_STATUSES = ("paid_off", "closed", "cancelled")
CHARGED_OFF = "charged_off"
NPL_CATEGORIES = ("substandard", "doubtful", "loss")


class ReportError(DomainError):
    status_code = 422
    code = "report"
    title = "The report cannot be produced."


class ReportNotFound(ReportError):
    status_code = 404
    code = "report-not-found"
    title = "There is no report of that name."


class ReportDateError(ReportError):
    status_code = 400
    code = "report-date"
    title = "The report date is not valid."


class ReportParameterError(ReportError):
    status_code = 400
    code = "report-parameter"
    title = "A report parameter is not valid."


class ReportUnavailable(ReportError):
    status_code = 422
    code = "report-unavailable"
    title = "The data the report needs has not been captured."


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    """text, int, money, ratio, date or bool: how exports write and parse the value."""


@dataclass(frozen=True)
class ReportParams:
    as_of: date
    start: date
    product: str | None = None
    currency: str = "CNY"

    @property
    def month_start(self) -> date:
        return self.as_of.replace(day=1)


@dataclass
class Report:
    """Rows (tuples in `columns` order) and totals. A streamed report's `rows` is a generator
    that fills `totals` in as it is consumed: read the totals after the rows."""

    name: str
    title: str
    params: ReportParams
    columns: tuple[Column, ...]
    rows: Iterable[tuple]
    totals: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    streamed: bool = False
    records: dict | None = field(default=None, repr=False)
    """When an export asks for it (a dict), rows already rendered in its layout, by `id(row)`,
    so that each is rendered once; the export takes them out as it writes them."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def header(self) -> dict:
        """What identifies the report in an export (everything but rows and totals)."""
        return {
            "report": self.name,
            "title": self.title,
            "as_of": self.params.as_of.isoformat(),
            "start": self.params.start.isoformat(),
            "product": self.params.product,
            "currency": self.params.currency,
            "columns": [{"name": c.name, "kind": c.kind} for c in self.columns],
            "meta": self.meta,
        }


def default_currency() -> str:
    return getattr(settings, "REPORT_CURRENCY", "CNY")


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def is_month_end(day: date) -> bool:
    return day == month_end(day)


def previous_month_end(day: date) -> date:
    """The last day of the month before `day`'s month."""
    return day.replace(day=1) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The first of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_ends_between(first: date, last: date) -> list[date]:
    """Month ends from `first`'s month to `last`'s month, oldest first."""
    out, cursor = [], first.replace(day=1)
    while cursor <= last:
        out.append(month_end(cursor))
        cursor = add_months(cursor, 1)
    return out


def months_on_book(opened: date, at: date) -> int:
    return (at.year - opened.year) * 12 + at.month - opened.month


def year_month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def money(value) -> Decimal:
    """A sum from the database as Decimal to the cent. PostgreSQL returns Decimal already; the
    SQLite demo returns binary floats for sums of decimals, converted through their repr."""
    if value is None:
        return ZERO.quantize(CENT)
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    return Decimal(repr(value)).quantize(CENT)


def ratio(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return ZERO.quantize(RATIO_PLACES)
    return (Decimal(part) / Decimal(whole)).quantize(RATIO_PLACES)
