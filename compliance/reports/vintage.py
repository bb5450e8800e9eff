"""Vintage curves (账龄分析): for each disbursement month (cohort), the share of the principal
disbursed that is 30+ and 90+ days past due at each month on book.

At each month end from the cohort's month to the as-of date (the as-of date stands for its own
month): principal outstanding (1303) of the cohort's open loans more than 30 (90) days past due,
plus the principal the cohort has had written off by then (a written-off loan stays bad), over
the principal disbursed. Month on book 0 is the disbursement month.
"""

from __future__ import annotations

from datetime import date

from ledger import chart
from ledger.selectors import journal_lines_sql

from .base import (
    OPEN_STATUSES,
    ZERO,
    Column,
    Report,
    ReportParams,
    add_months,
    money,
    months_on_book,
    previous_month_end,
    ratio,
    year_month,
)
from .sql import Sql, account_ids, fetch_all
from .sql import year_month as sql_year_month
from .state import loan_state_sql

NAME = "vintage"
TITLE = "Vintage curves (账龄分析)"
WRITE_OFF_KIND = "write_off"
COLUMNS = (
    Column("cohort"),
    Column("month"),
    Column("months_on_book", "int"),
    Column("loans", "int"),
    Column("principal_disbursed", "money"),
    Column("principal_outstanding", "money"),
    Column("principal_30_plus", "money"),
    Column("principal_90_plus", "money"),
    Column("written_off", "money"),
    Column("share_30_plus", "ratio"),
    Column("share_90_plus", "ratio"),
)


def observation_dates(params: ReportParams) -> list[date]:
    """Every month end from the start month to before the as-of date's month, then the date."""
    dates, cursor = [], params.start.replace(day=1)
    while cursor <= params.as_of:
        following = add_months(cursor, 1)
        dates.append(min(params.as_of, previous_month_end(following)))
        cursor = following
    return dates


def _loan_filter(params: ReportParams) -> tuple[str, dict]:
    text = (
        "l.currency = %(currency)s AND l.disbursed_on IS NOT NULL"
        " AND l.disbursed_on >= %(cohort_start)s AND l.disbursed_on <= %(cohort_end)s"
    )
    values = {"currency": params.currency, "cohort_start": params.start.replace(day=1)}
    values["cohort_end"] = params.as_of
    if params.product:
        text += " AND l.product_id IN (SELECT id FROM loans_product WHERE code = %(product)s)"
        values["product"] = params.product
    return text, values


def _cohorts(params: ReportParams) -> dict[str, tuple[int, object]]:
    where, values = _loan_filter(params)
    cohort = sql_year_month("l.disbursed_on")
    query = Sql(
        f"SELECT {cohort}, COUNT(*), SUM(l.principal) FROM loans_loan l WHERE {where}"
        f" GROUP BY {cohort}",
        values,
    )
    return {row[0]: (int(row[1]), money(row[2])) for row in fetch_all(query)}


def _written_off(params: ReportParams) -> dict[str, list[tuple[date, object]]]:
    """Principal written off per cohort: (write-off date, amount), from the ledger."""
    where, values = _loan_filter(params)
    principal = account_ids(params.currency, [chart.LOANS_PRINCIPAL])[chart.LOANS_PRINCIPAL]
    query = Sql(
        f"""SELECT {sql_year_month("l.disbursed_on")}, jl.business_date, SUM(jl.credit - jl.debit)
              FROM {journal_lines_sql()} jl
              JOIN ledger_journalentry e ON e.id = jl.entry_id
              JOIN loans_loan l ON l.id = jl.loan_id
             WHERE e.kind = %(kind)s AND jl.account_id = {int(principal)}
               AND jl.business_date <= %(cohort_end)s AND {where}
             GROUP BY {sql_year_month("l.disbursed_on")}, jl.business_date""",
        {**values, "kind": WRITE_OFF_KIND},
    )
    out: dict[str, list] = {}
    for cohort, day, amount in fetch_all(query):
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        out.setdefault(cohort, []).append((day, money(amount)))
    return out


def _observe(at: date, params: ReportParams) -> dict[str, tuple]:
    state, _ = loan_state_sql(at, currency=params.currency, product=params.product)
    where, values = _loan_filter(params)
    open_list = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    cohort = sql_year_month("l.disbursed_on")
    query = Sql(
        f"""SELECT {cohort}, COUNT(*), SUM(s.principal),
                   SUM(CASE WHEN s.status IN ({open_list}) AND s.dpd > 30
                            THEN s.principal ELSE 0 END),
                   SUM(CASE WHEN s.status IN ({open_list}) AND s.dpd > 90
                            THEN s.principal ELSE 0 END)
              FROM ({state.text}) s JOIN loans_loan l ON l.id = s.loan_id
             WHERE {where}
             GROUP BY {cohort}""",
        {**state.params, **values},
    )
    return {row[0]: (money(row[2]), money(row[3]), money(row[4])) for row in fetch_all(query)}


def vintage_report(*, params: ReportParams) -> Report:
    cohorts = _cohorts(params)
    written = _written_off(params)
    rows = []
    curves: dict[str, list] = {}
    outstanding_at_end = ZERO
    dates = observation_dates(params)
    for at in dates:
        observed = _observe(at, params)
        for cohort in sorted(cohorts):
            opened = date.fromisoformat(f"{cohort}-01")
            if opened > at:
                continue
            loans, disbursed = cohorts[cohort]
            outstanding, over_30, over_90 = observed.get(cohort, (ZERO, ZERO, ZERO))
            lost = sum((amount for day, amount in written.get(cohort, []) if day <= at), ZERO)
            share_30, share_90 = ratio(over_30 + lost, disbursed), ratio(over_90 + lost, disbursed)
            mob = months_on_book(opened, at)
            rows.append(
                (
                    cohort,
                    year_month(at),
                    mob,
                    loans,
                    disbursed,
                    outstanding,
                    over_30,
                    over_90,
                    lost,
                    share_30,
                    share_90,
                )
            )
            curves.setdefault(cohort, []).append((mob, share_30, share_90))
            if at == dates[-1]:
                outstanding_at_end += outstanding
    totals = {
        "cohorts": len(cohorts),
        "loans": sum(loans for loans, _ in cohorts.values()),
        "principal_disbursed": sum((amount for _, amount in cohorts.values()), ZERO),
        "principal_outstanding": outstanding_at_end,
        "written_off": sum((amount for entries in written.values() for _, amount in entries), ZERO),
        "curves": curves,
    }
    return Report(name=NAME, title=TITLE, params=params, columns=COLUMNS, rows=rows, totals=totals)
