"""Rate-cap conformance (利率上限合规): every loan disbursed in the period with its APR by the IRR
method, the cap it was checked against, and any breach — the report proves there is none.

Each loan's APR is computed again here from the terms it was signed on, as disbursed (its
schedule from `calc`, every cash flow of the borrower, an upfront fee withheld or charged
with the first installment), and checked against the jurisdiction's cap in force on its start
date (`calc.rate_caps`, the rule recorded at signing). The APR disclosed at signing is shown
next to it; a loan disbursed later than planned may differ from it by the days moved. A breach
is either APR above the cap. Rows are streamed; repeated terms are computed once.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache

from calc.apr import AprError, apr_by_method
from calc.rate_caps import RateCapError, cap_check, rules_for
from calc.schedules import ScheduleError, build_schedule
from ledger import chart
from ledger.selectors import journal_lines_sql
from loans.models import Loan
from loans.terms import loan_terms

from .base import ZERO, Column, Report, ReportParams, money
from .sql import Sql, fetch_all

NAME = "rate_cap"
TITLE = "Rate-cap conformance (利率上限合规)"
DISBURSEMENT_KIND = "disbursement"
CHUNK = 2_000
COLUMNS = (
    Column("account_id"),
    Column("product"),
    Column("jurisdiction"),
    Column("disbursed_on", "date"),
    Column("principal", "money"),
    Column("term", "int"),
    Column("annual_rate", "ratio"),
    Column("apr_disclosed", "ratio"),
    Column("apr_as_disbursed", "ratio"),
    Column("cap", "ratio"),
    Column("cap_rule"),
    Column("within_cap", "bool"),
    Column("error"),
)


@lru_cache(maxsize=4096)
def _apr(terms, withheld: bool, method: str) -> Decimal:
    schedule = build_schedule(terms)
    fee = schedule.totals.upfront_fee
    flows = schedule.cash_flows()
    if not withheld and fee:
        flows[0] = (flows[0][0] + fee, flows[0][1])
        fee = ZERO
    result = apr_by_method(
        method,
        terms.principal,
        terms.start_date,
        flows,
        unit_period=terms.frequency.value,
        fee=fee,
        guess=terms.periodic_rate,
    )
    return result.nominal


def _check(loan: Loan) -> tuple[Decimal | None, Decimal | None, str, bool, str]:
    """(APR as disbursed, cap, rule, within the cap, error)."""
    try:
        apr = _apr(loan_terms(loan), loan.upfront_fee_withheld, loan.apr_method)
    except (AprError, ScheduleError) as exc:
        return None, None, "", False, f"APR: {exc}"
    if not loan.apr_cap_rule and not rules_for(loan.jurisdiction):
        return apr, None, "", True, ""  # no APR ceiling in the loan's jurisdiction
    try:
        check = cap_check(
            apr, loan.jurisdiction, on_date=loan.start_date, rule=loan.apr_cap_rule or None
        )
    except RateCapError:
        try:
            check = cap_check(apr, loan.jurisdiction, on_date=loan.start_date)
        except RateCapError as exc:
            return apr, None, "", False, f"cap: {exc}"
    within = check.within_cap and loan.apr_nominal <= check.cap
    return apr, check.cap, check.rule, within, ""


def rate_cap_report(*, params: ReportParams) -> Report:
    report = Report(name=NAME, title=TITLE, params=params, columns=COLUMNS, rows=(), streamed=True)
    report.rows = _rows(report)
    return report


def _rows(report: Report) -> Iterator[tuple]:
    params = report.params
    loans = Loan.objects.filter(
        currency=params.currency,
        disbursed_on__gte=params.start,
        disbursed_on__lte=params.as_of,
    ).select_related("product")
    if params.product:
        loans = loans.filter(product__code=params.product)
    totals = {
        "loans": 0,
        "principal": ZERO,
        "breaches": 0,
        "errors": 0,
        "max_apr": ZERO,
        "max_cap_used": ZERO,
    }
    for loan in loans.order_by("disbursed_on", "reference").iterator(chunk_size=CHUNK):
        apr, cap, rule, within, error = _check(loan)
        totals["loans"] += 1
        totals["principal"] += loan.principal
        totals["breaches"] += 0 if within or error else 1
        totals["errors"] += 1 if error else 0
        if apr is not None:
            totals["max_apr"] = max(totals["max_apr"], apr, loan.apr_nominal)
            if cap:
                totals["max_cap_used"] = max(totals["max_cap_used"], apr / cap)
        yield (
            loan.reference,
            loan.product.code,
            loan.jurisdiction,
            loan.disbursed_on,
            loan.principal,
            loan.term,
            loan.annual_rate,
            loan.apr_nominal,
            apr,
            cap,
            rule,
            within,
            error,
        )
    totals["max_cap_used"] = totals["max_cap_used"].quantize(Decimal("0.000001"))
    totals["principal_disbursed_ledger"] = _ledger_disbursed(params)
    report.totals = totals


def _ledger_disbursed(params: ReportParams) -> Decimal:
    """Principal debited to 1303 by disbursements in the period: the rows' principal again
    (archived months included)."""
    values = {
        "code": chart.LOANS_PRINCIPAL,
        "currency": params.currency,
        "kind": DISBURSEMENT_KIND,
        "start": params.start,
        "as_of": params.as_of,
    }
    product = ""
    if params.product:
        product = (
            " AND jl.loan_id IN (SELECT l.id FROM loans_loan l"
            " JOIN loans_product p ON p.id = l.product_id WHERE p.code = %(product)s)"
        )
        values["product"] = params.product
    query = Sql(
        f"""SELECT SUM(jl.debit) FROM {journal_lines_sql(since=params.start)} jl
              JOIN ledger_account a ON a.id = jl.account_id
              JOIN ledger_journalentry e ON e.id = jl.entry_id
             WHERE a.code = %(code)s AND a.currency = %(currency)s AND e.kind = %(kind)s
               AND jl.business_date >= %(start)s AND jl.business_date <= %(as_of)s{product}""",
        values,
    )
    ((total,),) = fetch_all(query)
    return money(total)
