"""Roll rates (迁徙率), month over month: of the principal in each state at one month end, the
share found in each state at the next (current → 1-30 → 31-60 → … → charged off, or paid off).

For every month from the start month to the as-of date's month, the transition runs from the
previous month end to the month end (or to the as-of date for the month in progress). A
loan's state is its delinquency bucket while it is open, else ``paid_off`` (settled, cancelled)
or ``charged_off``; loans disbursed during the month come ``from`` ``new``. Balances are the
principal outstanding (1303) at both ends; the share is over the principal of the from-state
at the start (for ``new``, over the new loans' principal at the end).

Loan states at past month ends come from `LoanMonthEnd` when captured, else they are rebuilt
(`state.py`): one grouped query per month.
"""

from __future__ import annotations

from datetime import date

from .base import (
    OPEN_STATUSES,
    ZERO,
    Column,
    Report,
    ReportParams,
    add_months,
    money,
    previous_month_end,
    ratio,
    year_month,
)
from .sql import Sql, fetch_all
from .state import BUCKET_NAMES, loan_state_sql

NAME = "roll_rates"
TITLE = "Roll rates month over month (迁徙率)"
NEW, PAID_OFF, CHARGED_OFF = "new", "paid_off", "charged_off"
STATES = (*BUCKET_NAMES, PAID_OFF, CHARGED_OFF)
COLUMNS = (
    Column("month"),
    Column("product"),
    Column("from_state"),
    Column("to_state"),
    Column("loans", "int"),
    Column("from_principal", "money"),
    Column("to_principal", "money"),
    Column("share", "ratio"),
)


def _state(alias: str) -> str:
    open_list = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    return (
        f"CASE WHEN {alias}.status IN ({open_list}) THEN {alias}.bucket"
        f" WHEN {alias}.status = 'charged_off' THEN '{CHARGED_OFF}' ELSE '{PAID_OFF}' END"
    )


def transition_periods(params: ReportParams) -> list[tuple[date, date]]:
    """(start month end, end date) for every month from the start month to the as-of date."""
    periods, cursor = [], params.start.replace(day=1)
    while cursor <= params.as_of:
        following = add_months(cursor, 1)
        end = min(params.as_of, previous_month_end(following))
        periods.append((previous_month_end(cursor), end))
        cursor = following
    return periods


def _transition_sql(start: date, end: date, params: ReportParams) -> Sql:
    before, _ = loan_state_sql(start, currency=params.currency, product=params.product)
    after, _ = loan_state_sql(end, currency=params.currency, product=params.product)
    before, after = before.renamed("a"), after.renamed("b")
    open_list = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    text = f"""
        SELECT p.code, {_state("a")}, {_state("b")}, COUNT(*),
               SUM(a.principal), SUM(b.principal)
          FROM ({before.text}) a
          JOIN ({after.text}) b ON b.loan_id = a.loan_id
          JOIN loans_product p ON p.id = a.product_id
         WHERE a.status IN ({open_list})
         GROUP BY p.code, {_state("a")}, {_state("b")}
        UNION ALL
        SELECT p.code, '{NEW}', {_state("b")}, COUNT(*), 0, SUM(b.principal)
          FROM ({after.text}) b
          JOIN loans_loan l ON l.id = b.loan_id
          JOIN loans_product p ON p.id = b.product_id
         WHERE l.disbursed_on > %(period_start)s
         GROUP BY p.code, {_state("b")}"""
    return Sql(text, {**before.params, **after.params, "period_start": start})


def roll_rates_report(*, params: ReportParams) -> Report:
    order = {name: index for index, name in enumerate((NEW, *STATES))}
    rows, latest = [], {}
    totals: dict = {"months": 0}
    for start, end in transition_periods(params):
        found = fetch_all(_transition_sql(start, end, params))
        month_rows = sorted(
            (
                (product, source, target, int(loans), money(before), money(after))
                for product, source, target, loans, before, after in found
            ),
            key=lambda r: (r[0], order.get(r[1], 99), order.get(r[2], 99)),
        )
        base: dict[tuple[str, str], object] = {}
        for product, source, _, _, before, after in month_rows:
            weight = after if source == NEW else before
            base[(product, source)] = base.get((product, source), ZERO) + weight
        for product, source, target, loans, before, after in month_rows:
            weight = after if source == NEW else before
            rows.append(
                (
                    year_month(end),
                    product,
                    source,
                    target,
                    loans,
                    before,
                    after,
                    ratio(weight, base[(product, source)]),
                )
            )
        totals["months"] += 1
        latest = {"month": year_month(end), "from": start, "to": end, "rows": month_rows}
    totals.update(_latest_totals(latest))
    return Report(name=NAME, title=TITLE, params=params, columns=COLUMNS, rows=rows, totals=totals)


def _latest_totals(latest: dict) -> dict:
    """The last month's all-products matrix and balances (what the chart draws)."""
    if not latest:
        return {"matrix": {}, "start_principal": ZERO, "end_principal": ZERO}
    moved: dict[str, dict[str, object]] = {}
    weights: dict[str, object] = {}
    start_principal = end_principal = new_principal = ZERO
    for _, source, target, _, before, after in latest["rows"]:
        weight = after if source == NEW else before
        moved.setdefault(source, {})
        moved[source][target] = moved[source].get(target, ZERO) + weight
        weights[source] = weights.get(source, ZERO) + weight
        start_principal += before
        end_principal += after
        if source == NEW:
            new_principal += after
    matrix = {
        source: {target: ratio(amount, weights[source]) for target, amount in targets.items()}
        for source, targets in moved.items()
    }
    return {
        "latest_month": latest["month"],
        "start_date": latest["from"],
        "end_date": latest["to"],
        "start_principal": start_principal,
        "end_principal": end_principal,
        "new_principal": new_principal,
        "matrix": matrix,
    }
