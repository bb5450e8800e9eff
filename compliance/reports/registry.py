"""The reports by name, and the one entry point that builds any of them for a date.

`report_build(name=..., as_of=...)` checks the name, the dates and the product, fills in the
defaults (the as-of date: the last closed business date; the start: the report's natural
period) and returns the `Report`. Daily reports are produced after each close, monthly ones on
the first business day of a month (`runs.reports_produce_due`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext

from compliance.models import ReportRun
from ledger.services import business_date_current
from loans.models import Product

from . import (
    aging,
    allowance_movement,
    classification,
    collection_conduct,
    credit_bureau,
    ecl,
    income,
    promises,
    rate_cap,
    roll_rates,
    vintage,
)
from .base import (
    Report,
    ReportDateError,
    ReportNotFound,
    ReportParameterError,
    ReportParams,
    add_months,
    default_currency,
)

DAILY, MONTHLY = "daily", "monthly"
DAY, MONTH, YEAR = "day", "month", "year"
"""A report's period: the as-of date itself, its month to date, or the 12 months to it."""


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    build: Callable[..., Report]
    schedule: str
    period: str
    formats: tuple[str, ...] = ("csv", "json")
    latest_only: bool = False
    """Measured on the book as the last close left it (no history to rebuild an earlier date)."""

    def default_start(self, as_of: date) -> date:
        if self.period == MONTH:
            return as_of.replace(day=1)
        if self.period == YEAR:
            return add_months(as_of, -11)
        return as_of


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(aging.NAME, aging.TITLE, aging.aging_report, DAILY, DAY),
        ReportSpec(
            classification.NAME,
            classification.TITLE,
            classification.classification_report,
            DAILY,
            DAY,
        ),
        # The allowance is booked by every close; the ECL *report* is a reporting-date figure
        # (IFRS 7 discloses it at period ends), filed at each month end and on demand.
        ReportSpec(ecl.NAME, ecl.TITLE, ecl.ecl_report, MONTHLY, DAY, latest_only=True),
        ReportSpec(
            allowance_movement.NAME,
            allowance_movement.TITLE,
            allowance_movement.allowance_movement_report,
            MONTHLY,
            MONTH,
        ),
        ReportSpec(roll_rates.NAME, roll_rates.TITLE, roll_rates.roll_rates_report, MONTHLY, YEAR),
        ReportSpec(vintage.NAME, vintage.TITLE, vintage.vintage_report, MONTHLY, YEAR),
        ReportSpec(rate_cap.NAME, rate_cap.TITLE, rate_cap.rate_cap_report, MONTHLY, MONTH),
        ReportSpec(
            collection_conduct.NAME,
            collection_conduct.TITLE,
            collection_conduct.collection_conduct_report,
            MONTHLY,
            MONTH,
        ),
        ReportSpec(
            promises.NAME, promises.TITLE, promises.promise_kept_rate_report, MONTHLY, MONTH
        ),
        ReportSpec(income.NAME, income.TITLE, income.income_report, MONTHLY, MONTH),
        ReportSpec(
            credit_bureau.NAME,
            credit_bureau.TITLE,
            credit_bureau.credit_bureau_report,
            MONTHLY,
            DAY,
            formats=("txt", "csv", "json"),
        ),
    )
}
FORMATS = ("csv", "json", "txt")


def report_spec(name: str) -> ReportSpec:
    try:
        return REPORTS[name]
    except KeyError:
        known = ", ".join(sorted(REPORTS))
        raise ReportNotFound(f"There is no report {name!r}; the reports are: {known}.") from None


def last_closed_date(*, today: date | None = None) -> date:
    return (today or business_date_current()) - timedelta(days=1)


def report_params(
    *,
    name: str,
    as_of: date | None = None,
    start: date | None = None,
    product: str | None = None,
    currency: str | None = None,
    today: date | None = None,
) -> ReportParams:
    """The checked parameters of a report (see the module docstring)."""
    spec = report_spec(name)
    closed = last_closed_date(today=today)
    as_of = as_of or closed
    if as_of > closed:
        raise ReportDateError(
            f"{as_of} is not closed yet: the last closed business date is {closed}."
        )
    start = start or spec.default_start(as_of)
    if start > as_of:
        raise ReportDateError(f"The start {start} is after the as-of date {as_of}.")
    if product and not Product.objects.filter(code=product).exists():
        raise ReportParameterError(f"There is no product {product!r}.")
    return ReportParams(
        as_of=as_of, start=start, product=product or None, currency=currency or default_currency()
    )


def report_build(
    *,
    name: str,
    as_of: date | None = None,
    start: date | None = None,
    product: str | None = None,
    currency: str | None = None,
    today: date | None = None,
) -> Report:
    """Build report `name` for `as_of` (default: the last closed business date)."""
    params = report_params(
        name=name, as_of=as_of, start=start, product=product, currency=currency, today=today
    )
    return REPORTS[name].build(params=params)


def parse_date(value: str | None, *, field: str = "date") -> date | None:
    """An ISO date from a query string or command line; a bad one is a `ReportDateError`."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ReportDateError(f"The {field} {value!r} is not a date (YYYY-MM-DD).") from None


def check_format(spec: ReportSpec, fmt: str) -> str:
    if fmt not in spec.formats:
        raise ReportParameterError(
            f"The {spec.name} report comes as {', '.join(spec.formats)}, not {fmt!r}."
        )
    return fmt


def report_title(name: str) -> str:
    """A report by its title in the reader's language; a report no longer registered by name."""
    spec = REPORTS.get(name)
    return gettext(spec.title) if spec else name


ReportRun.title_of = staticmethod(report_title)
