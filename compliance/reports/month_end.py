"""Each loan's state at a month end, stored: what roll rates, vintages and the credit-bureau
file read for months gone by.

`month_end_capture(business_date=D)` runs once the close of a month's last day D is done (the
close can call it; the report schedule calls it too, idempotently). It writes one
`LoanMonthEnd` row per loan that is open at D, still holds a balance, ended during the month
(paid off, written off, cancelled), or was written off earlier and had a recovery (or its
reversal) booked during the month, with the month's credit-bureau status:

* ``R`` — written off, then recovered in full: recoveries (6111) reached the written-off amount;
* ``G`` — written off (ended unsettled): status charged off, or closed after a charge-off;
* ``C`` — settled: paid off, closed or cancelled;
* ``1``–``7`` — the worst days past due during the month in 30-day bands (1–30 → 1, …,
  151–180 → 6, over 180 → 7);
* ``N`` — an installment fell due during the month and nothing was past due;
* ``*`` — nothing fell due and nothing was past due.

The worst days past due of the month is the larger of the days past due at D and, for every
installment paid during the month, the days past due it had at the last close before it was paid
(`paid_on` - 1 - due date - grace days), the close's count (`loans.eod.delinquency`). The
amount overdue is what installments past due still owed at D (principal, interest, fees: see
`state.installments_at_sql`) plus the loan's penalty interest receivable.

`month_end_backfill(through=D)` captures every month end not captured yet, rebuilt from history
(`state.py`, source ``reconstructed``), so that a ledger started before this table existed gets
its 24 months of history.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Min

from compliance.models import LoanMonthEnd, MonthEndCapture
from ledger import chart
from ledger.selectors import journal_lines_sql
from ledger.services import business_date_current
from loans.models import Loan
from loans.posting_rules import RECEIVABLES as RECEIVABLE_CODES
from loans.posting_rules import WRITE_OFF_KIND

from .base import OPEN_STATUSES, ReportDateError, is_month_end, month_ends_between
from .sql import BALANCE_COLUMNS, Sql, account_ids, days_between
from .state import Source, in_portfolio, installments_at_sql, loan_state_sql, loans_source

TERMINAL = ("paid_off", "charged_off", "cancelled")


def _installment_facts() -> str:
    late = days_between("ia.paid_on", "ia.due_date")
    return f"""
        SELECT ia.loan_id,
               MAX(CASE WHEN ia.paid_on > %(month_start)s AND ia.paid_on <= %(as_of)s
                        THEN {late} ELSE NULL END) AS late,
               SUM(CASE WHEN ia.due_date < %(as_of)s AND ia.owed > 0
                        THEN ia.owed ELSE 0 END) AS overdue,
               SUM(CASE WHEN ia.due_date >= %(month_start)s THEN 1 ELSE 0 END) AS due_in_month
          FROM ({installments_at_sql()}) ia
         GROUP BY ia.loan_id"""


def recoveries_sql(currency: str) -> Sql:
    """Per loan charged off by `as_of`: the receivables its write-off took off the books
    (`written_off`), the recoveries income (6111) booked on it up to `as_of` net of reversals
    (`recovered`), and whether a recovery or its reversal was booked from `month_start`
    (`recovery_in_month`, 1 or 0). Read from the loans' own lines ((loan, account) index)."""
    ids = account_ids(currency, [chart.RECOVERIES, *RECEIVABLE_CODES])
    recoveries = int(ids[chart.RECOVERIES])
    receivables = ", ".join(str(int(ids[code])) for code in RECEIVABLE_CODES)
    text = f"""
        SELECT jl.loan_id,
               SUM(CASE WHEN jl.account_id = {recoveries} THEN jl.credit - jl.debit ELSE 0 END)
                   AS recovered,
               SUM(CASE WHEN jl.account_id <> {recoveries} THEN jl.credit - jl.debit ELSE 0 END)
                   AS written_off,
               MAX(CASE WHEN jl.account_id = {recoveries} AND jl.business_date >= %(month_start)s
                        THEN 1 ELSE 0 END) AS recovery_in_month
          FROM {journal_lines_sql()} jl
          JOIN ledger_journalentry e ON e.id = jl.entry_id
         WHERE jl.loan_id IN (SELECT t.loan_id FROM loans_loantransition t
                               WHERE t.to_status = 'charged_off' AND t.business_date <= %(as_of)s)
           AND jl.business_date <= %(as_of)s
           AND (jl.account_id = {recoveries}
                OR (jl.account_id IN ({receivables}) AND e.kind = '{WRITE_OFF_KIND}'))
         GROUP BY jl.loan_id"""
    return Sql(text)


def _endings() -> str:
    terminal = ", ".join(f"'{status}'" for status in TERMINAL)
    return f"""
        SELECT loan_id, MAX(business_date) AS ended_on,
               MAX(CASE WHEN to_status = 'charged_off' THEN 1 ELSE 0 END) AS charged_off
          FROM loans_loantransition
         WHERE to_status IN ({terminal}) AND business_date <= %(as_of)s
         GROUP BY loan_id"""


MONTH_COLUMNS = (
    "loan_id",
    "product_id",
    "currency",
    "status",
    "dpd",
    "worst_dpd",
    "bucket",
    "risk_category",
    *(name for name, _ in BALANCE_COLUMNS),
    "amount_overdue",
    "installment_due",
    "bureau_status",
)


def month_state_sql(
    as_of: date,
    *,
    currency: str,
    product: str | None = None,
    source: Source | None = None,
    today: date | None = None,
) -> tuple[Sql, Source]:
    """Per loan reportable in the month of `as_of` (up to `as_of`), `MONTH_COLUMNS`."""
    state, source = loan_state_sql(
        as_of, currency=currency, product=product, source=source, today=today
    )
    balances = ", ".join(f"s.{name}" for name, _ in BALANCE_COLUMNS)
    late = "COALESCE(f.late, 0) - 1 - l.grace_days"
    open_list = ", ".join(f"'{status}'" for status in OPEN_STATUSES)
    inner = f"""
        SELECT s.loan_id, s.product_id, l.currency, s.status, s.dpd,
               CASE WHEN {late} > s.dpd THEN {late} ELSE s.dpd END AS worst_dpd,
               s.bucket, s.risk_category, {balances},
               COALESCE(f.overdue, 0) + s.penalty AS amount_overdue,
               (COALESCE(f.due_in_month, 0) > 0) AS installment_due,
               COALESCE(e.charged_off, 0) AS charged_off, e.ended_on,
               COALESCE(rc.written_off, 0) AS written_off, COALESCE(rc.recovered, 0) AS recovered,
               COALESCE(rc.recovery_in_month, 0) AS recovery_in_month,
               (l.restructured_until >= %(month_start)s
                AND l.restructured_on <= %(month_end)s) AS restructured
          FROM ({state.text}) s
          JOIN loans_loan l ON l.id = s.loan_id
          LEFT JOIN ({_installment_facts()}) f ON f.loan_id = s.loan_id
          LEFT JOIN ({_endings()}) e ON e.loan_id = s.loan_id
          LEFT JOIN ({recoveries_sql(currency).text}) rc ON rc.loan_id = s.loan_id"""
    columns = ", ".join(f"w.{name}" for name in MONTH_COLUMNS[:-1])
    text = f"""
        SELECT {columns},
               CASE WHEN (w.status = 'charged_off' OR (w.status = 'closed' AND w.charged_off = 1))
                         AND w.written_off > 0 AND w.recovered >= w.written_off THEN 'R'
                    WHEN w.status = 'charged_off' OR (w.status = 'closed' AND w.charged_off = 1)
                         THEN 'G'
                    WHEN w.status NOT IN ({open_list}) THEN 'C'
                    WHEN w.worst_dpd > 180 THEN '7'
                    WHEN w.worst_dpd > 0 THEN CAST((w.worst_dpd + 29) / 30 AS TEXT)
                    WHEN w.restructured THEN 'D'
                    WHEN w.installment_due THEN 'N'
                    ELSE '*' END AS bureau_status
          FROM ({inner}) w
         WHERE {in_portfolio("w")}
            OR (w.status NOT IN ({open_list}) AND w.ended_on >= %(month_start)s)
            OR w.recovery_in_month = 1"""
    params = {
        **state.params,
        "month_start": as_of.replace(day=1),
        "month_end": as_of,
        "active": True,
    }
    return Sql(text, params), source


def month_end_capture(
    *, business_date: date, replace: bool = False, today: date | None = None
) -> MonthEndCapture:
    """Store every reportable loan's state at month end `business_date` (see the module
    docstring). Idempotent: a month captured already is returned as it is unless `replace`."""
    today = today or business_date_current()
    if not is_month_end(business_date):
        raise ReportDateError(f"{business_date} is not the last day of a month.")
    if business_date > today:
        raise ReportDateError(f"{business_date} is after the business date {today}.")
    existing = MonthEndCapture.objects.filter(month_end=business_date).first()
    if existing is not None and not replace:
        return existing
    source = loans_source(business_date, today=today)
    currencies = sorted(
        set(
            Loan.objects.filter(disbursed_on__lte=business_date)
            .values_list("currency", flat=True)
            .distinct()
        )
    )
    targets = ", ".join(
        [
            "month_end",
            "loan_id",
            "product_id",
            "currency",
            "status",
            "days_past_due",
            "worst_days_past_due",
            "delinquency_bucket",
            "risk_category",
            *(name for name, _ in BALANCE_COLUMNS),
            "amount_overdue",
            "installment_due",
            "bureau_status",
        ]
    )
    captured = 0
    with transaction.atomic():
        MonthEndCapture.objects.filter(month_end=business_date).delete()
        LoanMonthEnd.objects.filter(month_end=business_date).delete()
        for currency in currencies:
            query, _ = month_state_sql(business_date, currency=currency, source=source, today=today)
            sql = (
                f"INSERT INTO compliance_loanmonthend ({targets}) "
                f"SELECT %(month_end)s, {', '.join('r.' + name for name in MONTH_COLUMNS)} "
                f"FROM ({query.text}) r"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, {**query.params, "month_end": business_date})
                captured += max(cursor.rowcount, 0)
        return MonthEndCapture.objects.create(
            month_end=business_date,
            loans=captured,
            source=MonthEndCapture.Source(source.value),
            business_date=today,
        )


def month_end_backfill(*, through: date, today: date | None = None) -> list[MonthEndCapture]:
    """Capture every month end from the first disbursement up to `through` (at the latest the
    last closed date) that has no capture yet. Returns the captures made, oldest first."""
    today = today or business_date_current()
    first = Loan.objects.aggregate(first=Min("disbursed_on"))["first"]
    last = min(through, today - timedelta(days=1))
    if first is None or last < first:
        return []
    done = set(MonthEndCapture.objects.values_list("month_end", flat=True))
    made = []
    for month_end in month_ends_between(first, last):
        if month_end <= last and month_end not in done:
            made.append(month_end_capture(business_date=month_end, today=today))
    return made


def missing_month_ends(first: date, last: date) -> list[date]:
    """Month ends from `first`'s month up to `last` (exclusive of months not ended by `last`)
    with no capture."""
    done = set(
        MonthEndCapture.objects.filter(month_end__gte=first, month_end__lte=last).values_list(
            "month_end", flat=True
        )
    )
    return [day for day in month_ends_between(first, last) if day <= last and day not in done]
