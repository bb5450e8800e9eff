"""Floating-rate resets: on a loan's reset date its rate becomes the index's fixing on that date
plus its margin, within its floor and cap, and the rest of its schedule is rebuilt at that rate
(a rate-change modification, as a manual one, made and checked by the close).

Set-based over a batch of loans: the loans due a reset read in one query, their open rows in one,
the rows replaced cancelled in one statement, the new rows and the modification records copied
in (COPY), and the loans' new rate, maturity and next reset date written in one statement. The rows replaced start on or
after the reset date, so nothing was recognized on them and no entry is posted. A loan whose rate
does not move only has its next reset date moved on.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from calc.index_rates import floating_rate, index_rate_on, next_reset
from core.db import rows_update
from loans.errors import LoanRuleError
from loans.events import loans_modified_by_rate_reset
from loans.models import Installment, Loan, LoanModification

from .modification_plan import modification_plan
from .schedule_rows import CLOSED

MAKER = "system:rate_resets"
CHECKER = "system:close"
OPEN = (Loan.Status.ACTIVE, Loan.Status.DELINQUENT)


def reset_rate(loan: Loan, on: date, fixings: dict[tuple[str, date], Decimal]) -> Decimal:
    key = (loan.rate_index, on)
    if key not in fixings:
        fixings[key] = index_rate_on(loan.rate_index, on)
    return floating_rate(fixings[key], loan.rate_margin, loan.rate_floor, loan.rate_ceiling)


ROW_COPY = (
    "COPY loans_installment (loan_id, number, period_start, due_date, days_in_period,"
    " principal_due, interest_due, fee_due, status, penalty_due, interest_accrued, fee_charged,"
    " principal_paid, interest_paid, fee_paid, penalty_paid) FROM STDIN"
)
MODIFICATION_COPY = (
    "COPY loans_loanmodification (loan_id, parameters, schedule_before, schedule_after,"
    " installment_before, installment_after, kind, status, effective_date, reason,"
    " requested_by, requested_on, checked_by, decided_on, applied_on, decision_note, entry_ids,"
    " created_at) FROM STDIN"
)
ZEROS = (0,) * 7


def rows_copy(rows: list[tuple]) -> None:
    """The new installments, straight into their table (one COPY, no model instances)."""
    if not rows:
        return
    with connection.cursor() as cursor, cursor.cursor.copy(ROW_COPY) as copy:
        for row in rows:
            copy.write_row(row + ZEROS)


def modifications_copy(records: list[tuple], business_date: date) -> None:
    if not records:
        return
    fixed = (
        LoanModification.Kind.RATE_CHANGE.value,
        LoanModification.Status.APPLIED.value,
        business_date,
        "Floating-rate reset",
        MAKER,
        business_date,
        CHECKER,
        business_date,
        business_date,
        "",
        "[]",
        timezone.now(),
    )
    with connection.cursor() as cursor, cursor.cursor.copy(MODIFICATION_COPY) as copy:
        for record in records:
            copy.write_row(record + fixed)


def rate_resets_apply(loans, *, business_date: date) -> int:
    """Reset every loan of `loans` (a queryset, locked by the caller) due a reset by
    `business_date`; returns how many were repriced."""
    due = list(
        loans.filter(
            status__in=OPEN, next_rate_reset__lte=business_date, rate_reset_months__gt=0
        ).exclude(rate_index="")
    )
    if not due:
        return 0
    fixings: dict[tuple[str, date], Decimal] = {}
    rates = {loan.pk: reset_rate(loan, loan.next_rate_reset, fixings) for loan in due}
    moving = [loan for loan in due if rates[loan.pk] != loan.annual_rate]
    rows_by_loan: dict[int, list[Installment]] = defaultdict(list)
    for row in (
        Installment.objects.filter(
            loan_id__in=[loan.pk for loan in moving], period_start__gte=business_date
        )
        .exclude(status__in=CLOSED)
        .order_by("loan_id", "due_date", "number")
    ):
        rows_by_loan[row.loan_id].append(row)
    plans = {}
    for loan in moving:
        try:
            plans[loan.pk] = modification_plan(
                loan,
                rows_by_loan[loan.pk],
                kind=LoanModification.Kind.RATE_CHANGE,
                effective_date=business_date,
                parameters={"annual_rate": str(rates[loan.pk])},
                business_date=business_date,
                with_apr=False,
            )
        except LoanRuleError:
            continue  # nothing left to reprice: only the next reset date moves on
    replaced = [row.pk for plan in plans.values() for row in plan.rest.rows]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Installment._meta.db_table} SET status = %s WHERE id = ANY(%s)",
            [Installment.Status.CANCELLED.value, replaced],
        )
    highest = dict(
        Installment.objects.filter(loan_id__in=list(plans))
        .exclude(status=Installment.Status.CANCELLED)
        .values("loan_id")
        .annotate(top=Max("number"))
        .values_list("loan_id", "top")
    )
    by_id = {loan.pk: loan for loan in due}
    new_rows: list[tuple] = []
    records: list[tuple] = []
    maturity: dict[int, date] = {}
    for loan_id, plan in plans.items():
        loan = by_id[loan_id]
        first = highest.get(loan_id, 0) + 1
        for offset, item in enumerate(plan.after.installments):
            new_rows.append(
                (
                    loan_id,
                    first + offset,
                    item.period_start,
                    item.due_date,
                    item.days_in_period,
                    item.principal,
                    item.interest,
                    item.fee,
                    Installment.Status.DUE
                    if item.due_date <= business_date
                    else Installment.Status.SCHEDULED,
                )
            )
        maturity[loan_id] = plan.after.installments[-1].due_date
        parameters = {
            "annual_rate": str(plan.annual_rate),
            "index": loan.rate_index,
            "reset_date": loan.next_rate_reset.isoformat(),
        }
        records.append(
            (
                loan_id,
                json.dumps(parameters),
                json.dumps(plan.rows_before()),
                json.dumps(plan.rows_after()),
                plan.installment_before,
                plan.installment_after,
            )
        )
    rows_copy(new_rows)
    modifications_copy(records, business_date)
    rows_update(
        Loan._meta.db_table,
        (("annual_rate", "numeric"), ("maturity_date", "date"), ("next_rate_reset", "date")),
        [
            (
                loan.pk,
                plan.annual_rate if (plan := plans.get(loan.pk)) else loan.annual_rate,
                maturity.get(loan.pk, loan.maturity_date),
                next_reset(
                    loan.start_date, loan.rate_reset_months, loan.rate_reset_day, business_date
                ),
            )
            for loan in due
        ],
    )
    loans_modified_by_rate_reset(list(plans), business_date)
    return len(plans)
