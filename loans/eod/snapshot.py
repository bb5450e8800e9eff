"""The close's `snapshot` step: the daily portfolio snapshot reports read — counts and ledger
balances by product, status, delinquency bucket and risk category. One INSERT … SELECT over
the whole portfolio (loans that were never disbursed are left out); running it again replaces
the day's rows."""

from __future__ import annotations

from django.db import connection

from ledger import chart
from loans.models import PortfolioSnapshot

from .common import Chunk, StepResult, accounts_by_id

NOT_DISBURSED = ("pending", "approved", "rejected", "cancelled")
COLUMNS = (
    ("principal_outstanding", chart.LOANS_PRINCIPAL),
    ("interest_receivable", chart.INTEREST_RECEIVABLE),
    ("fees_receivable", chart.FEES_RECEIVABLE),
    ("penalty_receivable", chart.PENALTY_RECEIVABLE),
    ("interest_suspense", chart.INTEREST_SUSPENSE),
    ("allowance", chart.ALLOWANCE),
)


def snapshot_take(chunk: Chunk) -> StepResult:
    today = chunk.business_date
    accounts = accounts_by_id()
    sums, params = [], []
    for _, code in COLUMNS:
        ids = [pk for pk, (account_code, _) in accounts.items() if account_code == code]
        credit_normal = code in (chart.INTEREST_SUSPENSE, chart.ALLOWANCE)
        signed = "credit_total - debit_total" if credit_normal else "debit_total - credit_total"
        placeholders = ", ".join(["%s"] * len(ids)) or "NULL"
        sums.append(f"SUM(CASE WHEN account_id IN ({placeholders}) THEN {signed} ELSE 0 END)")
        params += ids
    names = ", ".join(name for name, _ in COLUMNS)
    balance_columns = ", ".join(
        f"{expr} AS {name}" for expr, (name, _) in zip(sums, COLUMNS, strict=True)
    )
    totals = ", ".join(f"COALESCE(SUM(b.{name}), 0)" for name, _ in COLUMNS)
    excluded = ", ".join(["%s"] * len(NOT_DISBURSED))
    sql = f"""
        INSERT INTO loans_portfoliosnapshot (business_date, product_id, currency, status,
            delinquency_bucket, risk_category, loan_count, principal_disbursed, {names})
        SELECT %s, l.product_id, l.currency, l.status, l.delinquency_bucket, l.risk_category,
               COUNT(*), SUM(l.principal), {totals}
          FROM loans_loan l
          LEFT JOIN (SELECT loan_id, {balance_columns}
                       FROM ledger_loanaccountbalance GROUP BY loan_id) b ON b.loan_id = l.id
         WHERE l.status NOT IN ({excluded})
         GROUP BY l.product_id, l.currency, l.status, l.delinquency_bucket, l.risk_category
    """
    PortfolioSnapshot.objects.filter(business_date=today).delete()
    with connection.cursor() as cursor:
        cursor.execute(sql, [today, *params, *NOT_DISBURSED])
        rows = cursor.rowcount
    return StepResult(loans=max(rows, 0))
