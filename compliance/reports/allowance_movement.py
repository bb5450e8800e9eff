"""The loss allowance from the start of a period to its end, by stage (IFRS 7.35H, 35I): the
reconciliation table an auditor ties to the ledger.

Read from the ledger's allowance lines (1304) per loan, so that it ties by construction: a
loan's allowance at the opening (the day before the period) sits in the stage it held then
(`StageChange`, the staging log; stage 1 for a loan never staged); over the period it

* moves, whole, to the stage it holds at the end (`transfer_to_stage_N` lines: out of the old
  stage, into the new one);
* then changes by its `provision` entries: a loan disbursed in the period books them as
  `new_originations`, a loan that left the book in the period (paid off, closed, cancelled)
  as `derecognitions`, any other as `remeasurement`;
* and by its write-off: the whole allowance it still held, debited (`write_offs`).

So opening + the lines = closing in each stage, and closing over the stages = the 1304 balance
on the closing date (`totals.ledger_allowance`, `totals.ties`). Months archived out of the
journal are read from the archive.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import OuterRef, Q, Subquery

from compliance.models import StageChange
from ledger import chart
from ledger.models import Account
from ledger.selectors import account_balance, journal_lines_sql
from loans.models import Loan
from loans.posting_rules import WRITE_OFF_KIND

from .base import ZERO, Column, Report, ReportParams, money

NAME = "allowance_movement"
TITLE = "Loss allowance reconciliation by stage (IFRS 7.35H)"
PROVISION_KIND = "provision"
STAGES = (1, 2, 3)
LEFT = (Loan.Status.PAID_OFF, Loan.Status.CLOSED, Loan.Status.CANCELLED)
LINES = (
    "opening",
    "transfer_to_stage_1",
    "transfer_to_stage_2",
    "transfer_to_stage_3",
    "new_originations",
    "derecognitions",
    "write_offs",
    "remeasurement",
    "other",
    "closing",
)
COLUMNS = (
    Column("line"),
    Column("stage_1", "money"),
    Column("stage_2", "money"),
    Column("stage_3", "money"),
    Column("total", "money"),
)


def stages_on(day: date, loan_ids) -> dict[int, int]:
    """Each loan's stage at the end of `day`, from the staging log (1 when never staged)."""
    latest = (
        StageChange.objects.filter(loan_id=OuterRef("loan_id"), business_date__lte=day)
        .order_by("-business_date", "-id")
        .values("id")[:1]
    )
    return dict(
        StageChange.objects.filter(loan_id__in=loan_ids, id=Subquery(latest)).values_list(
            "loan_id", "to_stage"
        )
    )


def allowance_flows(
    *, opening: date, closing: date, currency: str, loans: Q
) -> dict[int, dict[str, Decimal]]:
    """Per loan: its allowance at the end of `opening` and its movements to the end of
    `closing` by kind (provision, write-off, other), credit-normal; archived months included."""
    account = Account.objects.get(code=chart.ALLOWANCE, currency=currency)
    loan_sql, loan_params = Loan.objects.filter(loans).values("id").query.sql_with_params()
    net = "jl.credit - jl.debit"
    later = "jl.business_date > %s"
    sql = f"""
        SELECT jl.loan_id,
               COALESCE(SUM(CASE WHEN jl.business_date <= %s THEN {net} END), 0),
               COALESCE(SUM(CASE WHEN {later} AND e.kind = %s THEN {net} END), 0),
               COALESCE(SUM(CASE WHEN {later} AND e.kind = %s THEN {net} END), 0),
               COALESCE(SUM(CASE WHEN {later} AND e.kind NOT IN (%s, %s) THEN {net} END), 0)
          FROM {journal_lines_sql()} jl
          JOIN ledger_journalentry e ON e.id = jl.entry_id
         WHERE jl.account_id = %s AND jl.business_date <= %s AND jl.loan_id IN ({loan_sql})
         GROUP BY jl.loan_id"""
    params = [
        opening,
        opening,
        PROVISION_KIND,
        opening,
        WRITE_OFF_KIND,
        opening,
        PROVISION_KIND,
        WRITE_OFF_KIND,
        account.pk,
        closing,
        *loan_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        loan_id: {
            "opening": money(a),
            "provision": money(p),
            "write_off": money(w),
            "other": money(o),
        }
        for loan_id, a, p, w, o in rows
    }


def allowance_movement(
    *, opening: date, closing: date, currency: str = "CNY", loans: Q | None = None
) -> dict[str, dict[int, Decimal]]:
    """line → stage → amount, from the end of `opening` to the end of `closing`."""
    loans = (loans or Q()) & Q(currency=currency)
    flows = allowance_flows(opening=opening, closing=closing, currency=currency, loans=loans)
    facts = {
        loan_id: (disbursed_on, status)
        for loan_id, disbursed_on, status in Loan.objects.filter(id__in=list(flows)).values_list(
            "id", "disbursed_on", "status"
        )
    }
    before = stages_on(opening, list(flows))
    after = stages_on(closing, list(flows))
    table: dict[str, dict[int, Decimal]] = {line: defaultdict(lambda: ZERO) for line in LINES}
    for loan_id, flow in flows.items():
        disbursed_on, status = facts[loan_id]
        old, new = before.get(loan_id, 1), after.get(loan_id, 1)
        table["opening"][old] += flow["opening"]
        if old != new and flow["opening"]:
            table[f"transfer_to_stage_{new}"][old] -= flow["opening"]
            table[f"transfer_to_stage_{new}"][new] += flow["opening"]
        if disbursed_on is not None and disbursed_on > opening:
            line = "new_originations"
        elif status in LEFT:
            line = "derecognitions"
        else:
            line = "remeasurement"
        table[line][new] += flow["provision"]
        table["write_offs"][new] += flow["write_off"]
        table["other"][new] += flow["other"]
        table["closing"][new] += (
            flow["opening"] + flow["provision"] + flow["write_off"] + flow["other"]
        )
    return table


def allowance_movement_report(*, params: ReportParams) -> Report:
    opening = params.start - timedelta(days=1)
    loans = Q(product__code=params.product) if params.product else None
    table = allowance_movement(
        opening=opening, closing=params.as_of, currency=params.currency, loans=loans
    )
    rows = []
    for line in LINES:
        amounts = [table[line].get(stage, ZERO) for stage in STAGES]
        rows.append((line, *amounts, sum(amounts, ZERO)))
    closing = rows[-1][-1]
    totals: dict = {"opening": rows[0][-1], "closing": closing}
    if not params.product:
        ledger = account_balance(code=chart.ALLOWANCE, currency=params.currency, as_of=params.as_of)
        totals["ledger_allowance"] = ledger
        totals["ties"] = ledger == closing
    return Report(
        name=NAME,
        title=TITLE,
        params=params,
        columns=COLUMNS,
        rows=rows,
        totals=totals,
        meta={"opening_date": opening.isoformat()},
    )
