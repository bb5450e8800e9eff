"""Where a loan stands on the business date, as a borrower's app shows it: the next installment
and its split, what is overdue, what is due now, how many installments are paid, the payoff
amount today and the days past due.

Everything comes from the loan row and its schedule rows (read once, in one query, or
prefetched for a page of loans), so an app computes nothing and a list costs two queries
whatever its length. The payoff amount is the payoff quote's own plan over the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet

from loans.models import Installment, Loan
from loans.selectors.consumer import SCHEDULE_ROWS, schedule_prefetch

from .payoff_plan import payoff_plan
from .schedule_rows import CLOSED

# Amounts start from cents, so that nothing owed reads "0.00" like any other amount.
NO_AMOUNT = Decimal("0.00")
# Loans whose payoff amount means something: money is out and the loan is not settled.
PAYOFF_STATUSES = Loan.OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class NextInstallment:
    number: int
    due_date: date
    amount: Decimal
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalties: Decimal


@dataclass(frozen=True, slots=True)
class LoanPosition:
    next_installment: NextInstallment | None
    amount_overdue: Decimal
    amount_due_now: Decimal
    installments_paid: int
    installments_total: int
    payoff_amount_today: Decimal | None
    days_past_due: int


def loans_with_schedule(queryset: QuerySet[Loan]) -> QuerySet[Loan]:
    return queryset.prefetch_related(schedule_prefetch())


def _outstanding(row: Installment, component: str) -> Decimal:
    return getattr(row, f"{component}_due") - getattr(row, f"{component}_paid")


def loan_position(*, loan: Loan, business_date: date) -> LoanPosition:
    """The loan's position on ``business_date`` from its prefetched schedule rows (read here
    when they were not prefetched). Overdue: owed on rows due before the date; due now: owed on
    rows due on or before it; the next installment: the first unpaid row due on or after it."""
    rows = getattr(loan, SCHEDULE_ROWS, None)
    if rows is None:
        rows = list(
            loan.installments.exclude(status=Installment.Status.CANCELLED).order_by("number")
        )
    open_rows = [row for row in rows if row.status not in CLOSED]
    overdue = sum((row.outstanding for row in open_rows if row.due_date < business_date), NO_AMOUNT)
    due_today = sum(
        (row.outstanding for row in open_rows if row.due_date == business_date), NO_AMOUNT
    )
    upcoming = next(
        (row for row in sorted(open_rows, key=_due_order) if row.due_date >= business_date), None
    )
    return LoanPosition(
        next_installment=None if upcoming is None else _next(upcoming),
        amount_overdue=overdue,
        amount_due_now=overdue + due_today,
        installments_paid=sum(1 for row in rows if row.status == Installment.Status.PAID),
        installments_total=len(rows),
        payoff_amount_today=_payoff_amount(loan, open_rows, business_date),
        days_past_due=loan.days_past_due,
    )


def _due_order(row: Installment) -> tuple[date, int]:
    return row.due_date, row.number


def _next(row: Installment) -> NextInstallment:
    return NextInstallment(
        number=row.number,
        due_date=row.due_date,
        amount=row.outstanding,
        principal=_outstanding(row, "principal"),
        interest=_outstanding(row, "interest"),
        fees=_outstanding(row, "fee"),
        penalties=_outstanding(row, "penalty"),
    )


def _payoff_amount(loan: Loan, open_rows: list[Installment], on: date) -> Decimal | None:
    if loan.status not in PAYOFF_STATUSES:
        return None
    for row in open_rows:
        row.loan = loan
    return payoff_plan(loan, open_rows, on).total
