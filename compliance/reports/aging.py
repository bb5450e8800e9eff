"""Portfolio and delinquency aging (逾期账龄): loans and outstanding balances by product, status
and delinquency bucket at the end of a business date, with the overdue rate (逾期率) by count and
by balance and the NPL ratio (不良率).

* outstanding principal = the 1303 balance, interest = 1132, fees = 1133, penalty = 1134,
  interest in suspense = 2261, each summed per loan from the ledger as of the date;
* overdue: days past due > 0 (any bucket but ``current``); rates over every loan counted;
* NPL: principal of loans classified substandard, doubtful or loss, over all principal.

One aggregate query grouped in the database (`state.grouped_state_sql`); a loan is counted when
it is open or still holds a balance.
"""

from __future__ import annotations

from decimal import Decimal

from .base import NPL_CATEGORIES, ZERO, Column, Report, ReportParams, money, ratio
from .state import BUCKET_NAMES, GROUPED_COLUMNS, grouped_state_rows

NAME = "aging"
TITLE = "Portfolio and delinquency aging (逾期账龄)"
AMOUNTS = ("principal", "interest", "fees", "penalty", "suspense")
COLUMNS = (
    Column("product"),
    Column("status"),
    Column("bucket"),
    Column("loans", "int"),
    Column("principal", "money"),
    Column("interest", "money"),
    Column("fees", "money"),
    Column("penalty", "money"),
    Column("interest_suspense", "money"),
)


def aging_report(*, params: ReportParams) -> Report:
    state_rows, source = grouped_state_rows(
        params.as_of, currency=params.currency, product=params.product
    )
    position = {name: index for index, name in enumerate(GROUPED_COLUMNS)}
    grouped: dict[tuple[str, str, str], list] = {}
    totals = _empty_totals()
    for row in state_rows:
        product, status, bucket, category = row[:4]
        loans = int(row[position["loans"]])
        amounts = [money(row[position[name]]) for name in AMOUNTS]
        entry = grouped.setdefault((product, status, bucket), [0, *([ZERO] * len(AMOUNTS))])
        entry[0] += loans
        for index, amount in enumerate(amounts, start=1):
            entry[index] += amount
        _add_to_totals(totals, bucket, category, loans, amounts)
    order = {name: index for index, name in enumerate(BUCKET_NAMES)}
    keys = sorted(grouped, key=lambda key: (key[0], key[1], order.get(key[2], len(order))))
    rows = [(*key, *grouped[key]) for key in keys]
    _finish_totals(totals)
    return Report(
        name=NAME,
        title=TITLE,
        params=params,
        columns=COLUMNS,
        rows=rows,
        totals=totals,
        meta={"state_source": source.value},
    )


def _empty_totals() -> dict:
    return {
        "loans": 0,
        **{name: ZERO for name in AMOUNTS},
        "overdue_loans": 0,
        "overdue_principal": ZERO,
        "npl_principal": ZERO,
        "by_bucket": {name: {"loans": 0, "principal": ZERO} for name in BUCKET_NAMES},
    }


def _add_to_totals(totals: dict, bucket: str, category: str, loans: int, amounts) -> None:
    principal = amounts[0]
    totals["loans"] += loans
    for name, amount in zip(AMOUNTS, amounts, strict=True):
        totals[name] += amount
    by_bucket = totals["by_bucket"].setdefault(bucket, {"loans": 0, "principal": ZERO})
    by_bucket["loans"] += loans
    by_bucket["principal"] += principal
    if bucket != BUCKET_NAMES[0]:
        totals["overdue_loans"] += loans
        totals["overdue_principal"] += principal
    if category in NPL_CATEGORIES:
        totals["npl_principal"] += principal


def _finish_totals(totals: dict) -> None:
    totals["interest_suspense"] = totals.pop("suspense")
    totals["overdue_rate_by_count"] = ratio(Decimal(totals["overdue_loans"]), totals["loans"])
    totals["overdue_rate_by_balance"] = ratio(totals["overdue_principal"], totals["principal"])
    totals["npl_ratio"] = ratio(totals["npl_principal"], totals["principal"])
