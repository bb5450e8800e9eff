"""Schedule rows: building `Installment`s from the calculation core, their periods and status.

An installment's accrual period runs from `period_start` for `days_in_period` days to its
contractual end (its `due_date` may be shifted off a holiday without changing the interest).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from calc.accrual import accrued_through
from calc.money import Rounding, minor_unit_for
from calc.schedules import Method, RescheduleMode, Schedule, ScheduleError, reschedule
from core.money import ZERO
from loans.errors import LoanRuleError
from loans.models import Installment, Loan
from loans.terms import loan_terms

CLOSED = (Installment.Status.PAID, Installment.Status.CANCELLED)
AMOUNT_FIELDS = (
    "principal_due",
    "interest_due",
    "fee_due",
    "penalty_due",
    "interest_accrued",
    "fee_charged",
    "principal_paid",
    "interest_paid",
    "fee_paid",
    "penalty_paid",
)


@lru_cache(maxsize=64)
def rounding_of(mode: str, currency: str) -> Rounding:
    return Rounding(mode, minor_unit_for(currency))


def loan_rounding(loan: Loan) -> Rounding:
    return rounding_of(loan.rounding, loan.currency)


def period_end(row: Installment) -> date:
    """The contractual end of the row's accrual period."""
    return row.period_start + timedelta(days=row.days_in_period)


def is_open(row: Installment) -> bool:
    return row.status not in CLOSED


def open_sorted(rows: Iterable[Installment]) -> list[Installment]:
    return sorted((row for row in rows if is_open(row)), key=lambda row: (row.due_date, row.number))


def interest_earned(row: Installment, on: date, rounding: Rounding) -> Decimal:
    """The part of the row's scheduled interest accrued by the end of `on` (the close's
    convention: `accrued_through`, exact on the period's last day)."""
    if row.days_in_period <= 0:
        return row.interest_due
    return accrued_through(row.interest_due, row.period_start, period_end(row), on, rounding)


def upfront_fee_part(loan: Loan, row: Installment) -> Decimal:
    """The upfront fee a row carries: a fee not withheld at disbursement is charged on the first
    installment (payable with it), on top of that period's fee."""
    if row.number == 1 and not loan.upfront_fee_withheld:
        return loan.upfront_fee
    return ZERO


def outstanding(row: Installment, component: str) -> Decimal:
    return getattr(row, f"{component}_due") - getattr(row, f"{component}_paid")


def row_status(row: Installment, business_date: date) -> str:
    """The status the amounts and dates give (the close marks rows due the same way)."""
    if row.status == Installment.Status.CANCELLED:
        return row.status
    if row.total_paid and row.total_paid == row.total_due:
        return Installment.Status.PAID
    if row.total_paid:
        return Installment.Status.PARTIALLY_PAID
    if not row.total_due:
        return Installment.Status.PAID
    if row.due_date <= business_date:
        return Installment.Status.DUE
    return Installment.Status.SCHEDULED


def new_row(
    loan: Loan,
    *,
    number: int,
    period_start: date,
    due_date: date,
    days: int,
    principal: Decimal,
    interest: Decimal = ZERO,
    fee: Decimal = ZERO,
    business_date: date,
) -> Installment:
    row = Installment(
        loan=loan,
        number=number,
        period_start=period_start,
        due_date=due_date,
        days_in_period=days,
        principal_due=principal,
        interest_due=interest,
        fee_due=fee,
    )
    row.status = row_status(row, business_date)
    return row


def rows_from_schedule(
    loan: Loan, schedule: Schedule, *, first_number: int, business_date: date
) -> list[Installment]:
    return [
        new_row(
            loan,
            number=first_number + index,
            period_start=item.period_start,
            due_date=item.due_date,
            days=item.days_in_period,
            principal=item.principal,
            interest=item.interest,
            fee=item.fee,
            business_date=business_date,
        )
        for index, item in enumerate(schedule.installments)
    ]


def level_amount(loan: Loan, rows: list[Installment]) -> Decimal | None:
    """The installment a `shorten_term` prepayment keeps: the level payment (equal installment)
    or level principal of a regular row (not the first, which may be odd, nor the last, which
    absorbs the remainder); None: the one the original terms schedule."""
    if len(rows) < 3:
        return None
    row = rows[-2]
    if loan.method == Method.EQUAL_INSTALLMENT:
        return row.principal_due + row.interest_due
    return row.principal_due


def rebuilt_schedule(
    loan: Loan,
    *,
    principal: Decimal,
    start: date,
    first_due: date,
    periods: int,
    mode: str,
    level: Decimal | None,
) -> Schedule:
    """The schedule of `principal` still owed after a prepayment, from `start` to at most
    `periods` due dates beginning at `first_due`, in `mode`. A term that cannot be shortened
    (interest-only, bullet, or an installment the new principal cannot amortize) is lowered
    instead; amounts too small for that many level installments take fewer periods."""
    terms = loan_terms(loan, start_date=loan.disbursed_on or loan.start_date)
    modes = [mode] + [m.value for m in RescheduleMode if m.value != mode]
    last_error: ScheduleError | None = None
    for count in range(periods, 0, -1):
        for candidate in modes:
            try:
                return reschedule(
                    terms,
                    principal=principal,
                    start_date=start,
                    remaining_term=count,
                    mode=candidate,
                    first_due_date=first_due,
                    level_amount=level if candidate == RescheduleMode.SHORTEN_TERM else None,
                )
            except ScheduleError as exc:
                last_error = exc
    raise LoanRuleError(f"The schedule cannot be rebuilt after the prepayment: {last_error}")
