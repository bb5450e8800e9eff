"""The figures the charts draw, read from the report runs already produced when there are
(the schedule stores every daily and monthly report's totals), computed otherwise. A report of
a closed date never changes, so a stored run is as good as a new one, and the admin page stays
quick however big the portfolio."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection

from compliance.models import MonthEndCapture, ReportRun

from .aging import aging_report
from .base import ReportParams, add_months, month_end, year_month
from .income import ACCOUNTS, income_report
from .roll_rates import roll_rates_report
from .state import BUCKET_NAMES
from .vintage import vintage_report

INCOME_NAMES = tuple(name for name, _, _ in ACCOUNTS)


def _stored(name: str, as_of: date, start: date, currency: str) -> dict | None:
    run = (
        ReportRun.objects.filter(
            name=name, as_of=as_of, start=start, product="", currency=currency, format="json"
        )
        .order_by("-created_at")
        .values_list("totals", flat=True)
        .first()
    )
    return run


def aging_by_bucket(day: date, currency: str) -> dict[str, Decimal]:
    stored = _stored("aging", day, day, currency)
    if stored is None:
        params = ReportParams(as_of=day, start=day, currency=currency)
        stored = aging_report(params=params).totals
    # Stored totals are JSON objects, whose keys come back in the database's order.
    by_bucket = stored["by_bucket"]
    return {name: Decimal(by_bucket[name]["principal"]) for name in BUCKET_NAMES}


def vintage_curves(day: date, currency: str) -> dict[str, list[tuple[int, Decimal]]]:
    start = add_months(day, -11)
    stored = _stored("vintage", day, start, currency)
    if stored is None:
        params = ReportParams(as_of=day, start=start, currency=currency)
        stored = vintage_report(params=params).totals
    curves = stored["curves"]
    return {
        cohort: [(int(point[0]), Decimal(point[1])) for point in curves[cohort]]
        for cohort in sorted(curves)
    }


def roll_matrix(day: date, currency: str) -> tuple[str, dict[str, dict[str, Decimal]]]:
    """The month of `day`: (month, {from: {to: share}})."""
    stored = _stored("roll_rates", day, add_months(day, -11), currency)
    if stored is None:
        params = ReportParams(as_of=day, start=day.replace(day=1), currency=currency)
        stored = roll_rates_report(params=params).totals
    matrix = {
        source: {target: Decimal(share) for target, share in targets.items()}
        for source, targets in stored.get("matrix", {}).items()
    }
    return stored.get("latest_month", year_month(day)), matrix


def income_by_month(day: date, currency: str) -> dict[str, dict[str, Decimal]]:
    """The 12 months to `day`'s: each month's stored income run, the rest computed at once."""
    out: dict[str, dict[str, Decimal]] = {}
    missing_from = None
    for offset in range(-11, 1):
        first = add_months(day, offset)
        end = min(day, month_end(first))
        stored = _stored("income", end, first, currency)
        if stored is None:
            missing_from = missing_from or first
            continue
        for month, figures in stored.get("by_month", {}).items():
            out[month] = {name: Decimal(figures[name]) for name in INCOME_NAMES}
    if missing_from is not None:
        params = ReportParams(as_of=day, start=missing_from, currency=currency)
        for month, figures in income_report(params=params).totals["by_month"].items():
            out.setdefault(month, {name: figures[name] for name in INCOME_NAMES})
    return dict(sorted(out.items()))


STAGE_MIX_SQL = """
SELECT m.month_end, COALESCE(s.to_stage, 1), SUM(m.principal), SUM(m.allowance)
  FROM compliance_loanmonthend m
  LEFT JOIN LATERAL (SELECT c.to_stage FROM compliance_stagechange c
                      WHERE c.loan_id = m.loan_id AND c.business_date <= m.month_end
                      ORDER BY c.business_date DESC LIMIT 1) s ON true
 WHERE m.month_end = ANY(%s) AND m.currency = %s AND m.status IN ('active', 'delinquent')
 GROUP BY 1, 2"""


def stage_mix(day: date, currency: str, months: int = 12) -> dict[str, dict[int, tuple]]:
    """The last `months` month ends up to `day`: per month, per IFRS 9 stage (the stage each
    open loan held that day, from the staging log; 1 before any staging), the principal
    outstanding and the allowance, from the month-end captures."""
    ends = list(
        MonthEndCapture.objects.filter(month_end__lte=day)
        .order_by("-month_end")
        .values_list("month_end", flat=True)[:months]
    )
    out: dict[str, dict[int, tuple]] = {year_month(end): {} for end in sorted(ends)}
    if not ends:
        return out
    with connection.cursor() as cursor:
        cursor.execute(STAGE_MIX_SQL, [ends, currency])
        for month_end, stage, principal, allowance in cursor.fetchall():
            out[year_month(month_end)][stage] = (principal, allowance)
    return out
