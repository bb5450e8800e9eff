"""What settles a loan on a date: the payoff amount per component and how the schedule divides
for it (rows owed in full, the current period's row cut at the date, later rows cancelled)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.money import ZERO
from loans.models import Installment, Loan

from .schedule_rows import (
    interest_earned,
    loan_rounding,
    open_sorted,
    outstanding,
    period_end,
    upfront_fee_part,
)


@dataclass
class PayoffPlan:
    """What settles a loan on a date, per component, and how the schedule divides for it."""

    on: date
    arrears: list[Installment]
    split: Installment | None
    split_interest: Decimal
    split_fee: Decimal
    future: list[Installment]
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalties: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalties

    def split_outstanding(self) -> Decimal:
        row = self.split
        if row is None:
            return ZERO
        return self.split_interest - row.interest_paid + self.split_fee - row.fee_paid


def payoff_plan(loan: Loan, rows: list[Installment], on: date) -> PayoffPlan:
    """Principal outstanding, interest to `on` (in full for periods ended by then, accrued to
    `on` for the current one, never less than what was already paid), every fee due by `on`
    (with an upfront fee carried on the first installment) and the penalties outstanding."""
    open_rows = open_sorted(rows)
    index = next(
        (i for i, row in enumerate(open_rows) if row.due_date > on and period_end(row) > on), None
    )
    arrears = open_rows if index is None else open_rows[:index]
    future = [] if index is None else open_rows[index:]
    # The current period's row is cut at `on`; a first open row starting after `on` (the
    # period holding `on` is paid already) owes nothing yet.
    split = future.pop(0) if future and future[0].period_start <= on else None
    # A later row already paid on (only a prepayment around a shifted due date leaves one):
    # settled in full like arrears, never lost.
    arrears += [row for row in future if row.total_paid]
    future = [row for row in future if not row.total_paid]
    split_interest = split_fee = ZERO
    interest = sum((outstanding(row, "interest") for row in arrears), ZERO)
    fees = sum((outstanding(row, "fee") for row in arrears), ZERO)
    if split is not None:
        earned = interest_earned(split, on, loan_rounding(loan))
        split_interest = max(earned, split.interest_paid)
        split_fee = max(split.fee_paid, upfront_fee_part(loan, split))
        interest += split_interest - split.interest_paid
        fees += split_fee - split.fee_paid
    return PayoffPlan(
        on=on,
        arrears=arrears,
        split=split,
        split_interest=split_interest,
        split_fee=split_fee,
        future=future,
        principal=sum((outstanding(row, "principal") for row in open_rows), ZERO),
        interest=interest,
        fees=fees,
        penalties=sum((outstanding(row, "penalty") for row in arrears), ZERO),
    )
