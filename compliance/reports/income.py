"""Income and loss (损益) for a period, by month and product: interest (6011), fee (6021) and
penalty (6031) income, recoveries of written-off loans (6111), write-offs (6711) and credit
impairment (6701), each the movement of its ledger account over the period (income on its credit
side, expenses on their debit side), so the totals equal the ledger's income and expense
accounts for the same dates. Every posting of the lifecycle and of the close puts the loan on its
income and expense lines, so each falls under its loan's product; a line without a loan (a manual
house posting) would fall under product "".
"""

from __future__ import annotations

from ledger import chart
from ledger.selectors import journal_lines_sql

from .base import ZERO, Column, Report, ReportParams, money
from .sql import Sql, account_ids, fetch_all
from .sql import year_month as sql_year_month

NAME = "income"
TITLE = "Income and loss (损益)"
ACCOUNTS: tuple[tuple[str, str, bool], ...] = (
    ("interest_income", chart.INTEREST_INCOME, True),
    ("fee_income", chart.FEE_INCOME, True),
    ("penalty_income", chart.PENALTY_INCOME, True),
    ("recoveries", chart.RECOVERIES, True),
    ("write_offs", chart.WRITE_OFF_EXPENSE, False),
    ("credit_impairment", chart.CREDIT_IMPAIRMENT, False),
)
"""(column, account code, income?) — income counts credit less debit, expense the reverse."""
COLUMNS = (
    Column("month"),
    Column("product"),
    *(Column(name, "money") for name, _, _ in ACCOUNTS),
    Column("net", "money"),
)


def income_report(*, params: ReportParams) -> Report:
    ids = account_ids(params.currency, [code for _, code, _ in ACCOUNTS])
    by_id = {ids[code]: (name, income) for name, code, income in ACCOUNTS}
    month = sql_year_month("jl.business_date")
    values = {"start": params.start, "as_of": params.as_of}
    product_filter = ""
    if params.product:
        product_filter = " AND p.code = %(product)s"
        values["product"] = params.product
    query = Sql(
        f"""SELECT {month}, COALESCE(p.code, ''), jl.account_id,
                   SUM(jl.credit), SUM(jl.debit)
              FROM {journal_lines_sql(since=params.start)} jl
              LEFT JOIN loans_loan l ON l.id = jl.loan_id
              LEFT JOIN loans_product p ON p.id = l.product_id
             WHERE jl.business_date >= %(start)s AND jl.business_date <= %(as_of)s
               AND jl.account_id IN ({", ".join(str(int(pk)) for pk in ids.values())})
               {product_filter}
             GROUP BY {month}, COALESCE(p.code, ''), jl.account_id""",
        values,
    )
    names = [name for name, _, _ in ACCOUNTS]
    grouped: dict[tuple[str, str], dict[str, object]] = {}
    for month_key, product, account_id, credit, debit in fetch_all(query):
        name, income = by_id[account_id]
        amount = money(credit) - money(debit) if income else money(debit) - money(credit)
        entry = grouped.setdefault((month_key, product), dict.fromkeys(names, ZERO))
        entry[name] += amount
    rows = []
    totals: dict = dict.fromkeys(names, ZERO)
    by_month: dict[str, dict[str, object]] = {}
    for key in sorted(grouped):
        entry = grouped[key]
        net = sum((entry[name] if income else -entry[name] for name, _, income in ACCOUNTS), ZERO)
        rows.append((*key, *(entry[name] for name in names), net))
        month_totals = by_month.setdefault(key[0], dict.fromkeys([*names, "net"], ZERO))
        for name in names:
            totals[name] += entry[name]
            month_totals[name] += entry[name]
        month_totals["net"] += net
    totals["net"] = sum(
        (totals[name] if income else -totals[name] for name, _, income in ACCOUNTS), ZERO
    )
    totals["by_month"] = by_month
    return Report(name=NAME, title=TITLE, params=params, columns=COLUMNS, rows=rows, totals=totals)
