"""Floating-rate resets: on a loan's reset date its rate becomes the index's fixing on that date
plus its margin, within its floor and cap, and the rest of its schedule is rebuilt at that rate
(a rate-change modification, as a manual one, made and checked by the close).

Set-based over a batch of loans: the loans due a reset read in one query, their open rows in one,
the rows replaced cancelled in one statement, the new rows, the modification records and the
loans' new rate, maturity and next reset date each written in one. The rows replaced start on or
after the reset date, so nothing was recognized on them and no entry is posted. A loan whose rate
does not move only has its next reset date moved on.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Max

from calc.index_rates import floating_rate, index_rate_on, next_reset
from core.db import rows_update
from loans.errors import LoanRuleError
from loans.models import Installment, Loan, LoanModification

from .modification_plan import modification_plan
from .schedule_rows import CLOSED, rows_from_schedule

MAKER = "system:rate_resets"
CHECKER = "system:close"
OPEN = (Loan.Status.ACTIVE, Loan.Status.DELINQUENT)


def reset_rate(loan: Loan, on: date, fixings: dict[tuple[str, date], Decimal]) -> Decimal:
    key = (loan.rate_index, on)
    if key not in fixings:
        fixings[key] = index_rate_on(loan.rate_index, on)
    return floating_rate(fixings[key], loan.rate_margin, loan.rate_floor, loan.rate_ceiling)


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
        Installment.objects.filter(loan_id__in=[loan.pk for loan in moving])
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
    Installment.objects.filter(pk__in=replaced).update(status=Installment.Status.CANCELLED)
    highest = dict(
        Installment.objects.filter(loan_id__in=list(plans))
        .exclude(status=Installment.Status.CANCELLED)
        .values("loan_id")
        .annotate(top=Max("number"))
        .values_list("loan_id", "top")
    )
    by_id = {loan.pk: loan for loan in due}
    new_rows: list[Installment] = []
    records: list[LoanModification] = []
    maturity: dict[int, date] = {}
    for loan_id, plan in plans.items():
        loan = by_id[loan_id]
        rows = rows_from_schedule(
            loan,
            plan.after,
            first_number=highest.get(loan_id, 0) + 1,
            business_date=business_date,
        )
        new_rows += rows
        maturity[loan_id] = max(row.due_date for row in rows)
        records.append(
            LoanModification(
                loan_id=loan_id,
                kind=LoanModification.Kind.RATE_CHANGE,
                status=LoanModification.Status.APPLIED,
                effective_date=business_date,
                parameters={
                    "annual_rate": str(plan.annual_rate),
                    "index": loan.rate_index,
                    "reset_date": loan.next_rate_reset.isoformat(),
                },
                reason="Floating-rate reset",
                schedule_before=plan.rows_before(),
                schedule_after=plan.rows_after(),
                installment_before=plan.installment_before,
                installment_after=plan.installment_after,
                requested_by=MAKER,
                requested_on=business_date,
                checked_by=CHECKER,
                decided_on=business_date,
                applied_on=business_date,
            )
        )
    Installment.objects.bulk_create(new_rows, batch_size=5000)
    LoanModification.objects.bulk_create(records, batch_size=2000)
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
    return len(plans)
