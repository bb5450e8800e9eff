"""Applying a payment to a loan's schedule on its value date, and undoing it exactly.

Order of application (one payment, value date V):

1. **Payoff** — a payment of at least the payoff amount on V settles everything: installments
   due by V in full; the current period's installment is cut at V into a *stub* (its interest
   accrued to V, fees charged, nothing of the period fee not yet due, no penalty) and its
   principal plus every later installment's principal is paid on a *prepayment row* (due and
   paid on V); later installments are cancelled. The excess is held as an overpayment (2241).
2. **Repayment** — overdue installments (due before V) oldest first, then the current one (the
   next due on or after V) in full, each in the loan's allocation order; what is left is a
   partial prepayment of the later installments' principal, effective from the current
   installment's contractual end (its full period's interest has just been paid), with the
   later schedule rebuilt in the loan's prepayment mode.
3. **Prepayment** (the borrower's explicit choice of mode) — everything due by V first; then,
   when the current period has not been paid ahead, the current installment is cut at V as in
   a payoff and the schedule from V is rebuilt for the remaining principal (its first period
   accrues for the days from V to the current period's end); otherwise as in 2.

A repayment that pays only part of the current installment pays its interest only as far as
the period has run by V (`interest_earned`, the close's accrual convention), the rest going to
the installment's other components (principal), unless the loan's product takes interest in
advance (`Loan.interest_in_advance`). Paying the whole installment early pays it as scheduled.

Whatever cannot be placed goes to the remaining open installments in order, then to the
overpayment. Recognized amounts follow the contract: interest or fees paid before the close
recognized them are recognized first (catch-up); rows cut or cancelled give back what the close
recognized beyond V (interest accrued after V, a period fee charged after V, penalty on a row
not yet due at V), so a back-dated payment is booked as if it had arrived on V.

A prepayment that rebuilds the later schedule also divides the deferred yield the replaced rows
carried (`effective_interest.prepayment_respread`): the prepaid share released on V, the rest
spread over the rebuilt rows by their EIR.

Every change is recorded (`Application.change`) so that `unwind` restores the schedule exactly
(the rows' planned yield and the loan's EIR included),
while keeping whatever the close booked in between on rows that remain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core.money import ZERO
from loans.models import Allocation, Installment, Loan
from loans.posting_rules import cash_received_lines, overpayment_lines

from .book import LoanBook
from .effective_interest import prepayment_respread
from .payoff_plan import PayoffPlan, payoff_plan
from .schedule_rows import (
    interest_earned,
    level_amount,
    loan_rounding,
    new_row,
    outstanding,
    period_end,
    rebuilt_schedule,
    rows_from_schedule,
    upfront_fee_part,
)

COMPONENTS = ("penalty", "fee", "interest", "principal")


def allocation_order(loan: Loan) -> tuple[str, ...]:
    """The loan's order, completed with any component it leaves out (default order)."""
    order = [c for c in (loan.allocation_order or []) if c in COMPONENTS]
    return tuple(dict.fromkeys(order + list(COMPONENTS)))


@dataclass
class Application:
    allocations: list[Allocation] = field(default_factory=list)
    overpayment: Decimal = ZERO
    created: list[int] = field(default_factory=list)
    cancelled: dict[str, dict[str, str]] = field(default_factory=dict)
    restated: dict[str, dict[str, object]] = field(default_factory=dict)
    yields: dict[str, str] = field(default_factory=dict)
    """Planned yield amortization of the rows a prepayment re-spread, before it."""
    rate_changed: bool = False
    rate_before: Decimal | None = None
    """The loan's EIR before a prepayment re-spread its deferred yield (when `rate_changed`)."""

    def change(self) -> dict[str, object]:
        change: dict[str, object] = {
            "created": self.created,
            "cancelled": self.cancelled,
            "restated": self.restated,
        }
        if self.yields:
            change["yield_amortization"] = self.yields
        if self.rate_changed:
            rate = self.rate_before
            change["effective_rate"] = None if rate is None else str(rate)
        return change


class _Applier:
    def __init__(self, book: LoanBook, value_date: date, mode: str):
        self.book = book
        self.loan = book.loan
        self.on = value_date
        self.mode = mode
        self.order = allocation_order(book.loan)
        self.rounding = loan_rounding(book.loan)
        self.app = Application()

    # Building blocks --------------------------------------------------------------------

    def payable(self, row: Installment, component: str, earned_only: bool) -> Decimal:
        """What of a component this payment may take: its outstanding amount, and with
        `earned_only` of interest at most what the row earned by V."""
        owed = outstanding(row, component)
        if component != "interest" or not earned_only:
            return owed
        earned = interest_earned(row, self.on, self.rounding)
        return max(min(owed, earned - row.interest_paid), ZERO)

    def pay(
        self, rows: list[Installment], remaining: Decimal, *, earned_only: bool = False
    ) -> Decimal:
        for row in rows:
            for component in self.order:
                take = min(self.payable(row, component, earned_only), remaining)
                if take > 0:
                    recognized = self.book.collect(row, component, take)
                    self.app.allocations.append(
                        Allocation(
                            installment_id=row.pk,
                            component=component,
                            amount=take,
                            recognized=recognized,
                        )
                    )
                    remaining -= take
            self.book.settle_status(row, self.on)
            if not remaining:
                break
        return remaining

    def pay_in_full(self, rows: list[Installment]) -> Decimal:
        total = sum((row.outstanding for row in rows), ZERO)
        self.pay(rows, total)
        return total

    def cancel(self, rows: list[Installment]) -> None:
        """Cancel unpaid rows, giving back whatever was recognized on them."""
        book = self.book
        for row in rows:
            self.app.cancelled[str(row.pk)] = {
                "interest_accrued": str(row.interest_accrued),
                "fee_charged": str(row.fee_charged),
                "penalty_due": str(row.penalty_due),
            }
            book.recognize_interest(row, -row.interest_accrued)
            book.charge_fee(row, -row.fee_charged)
            book.adjust_penalty(row, -row.penalty_due)
            row.status = Installment.Status.CANCELLED
            book.touch(row)

    def cut(self, plan: PayoffPlan) -> None:
        """Cut the current period's row at V: a stub owing interest to V and fees charged."""
        row = plan.split
        assert row is not None
        if not (plan.split_interest or plan.split_fee or row.total_paid):
            self.cancel([row])
            return
        book = self.book
        interest_delta = plan.split_interest - row.interest_accrued
        fee_delta = plan.split_fee - row.fee_charged
        penalty_delta = row.penalty_paid - row.penalty_due
        self.app.restated[str(row.pk)] = {
            "principal_due": str(row.principal_due),
            "interest_due": str(row.interest_due),
            "fee_due": str(row.fee_due),
            "due_date": row.due_date.isoformat(),
            "days_in_period": row.days_in_period,
            "interest_accrued": str(interest_delta),
            "fee_charged": str(fee_delta),
            "penalty_due": str(penalty_delta),
        }
        book.recognize_interest(row, interest_delta)
        book.charge_fee(row, fee_delta)
        book.adjust_penalty(row, penalty_delta)
        row.principal_due = row.principal_paid
        row.interest_due = plan.split_interest
        row.fee_due = plan.split_fee
        row.due_date = self.on
        row.days_in_period = (self.on - row.period_start).days
        book.touch(row)

    def prepayment_row(
        self, principal: Decimal, rebuilt: list[Installment], *, deferred_yield: Decimal = ZERO
    ) -> None:
        """The principal prepaid on V, as a row due and paid on V (carrying `deferred_yield`,
        amortized by the end of V), then the rebuilt rows."""
        number = self.book.next_number()
        row = new_row(
            self.loan,
            number=number,
            period_start=self.on,
            due_date=self.on,
            days=0,
            principal=principal,
            business_date=self.book.business_date,
        )
        row.yield_amortization = deferred_yield
        for offset, later in enumerate(rebuilt, start=1):
            later.number = number + offset
        created = self.book.create_rows([row, *rebuilt])
        self.app.created += [item.pk for item in created]
        self.pay([created[0]], principal)

    def rebuild(
        self, principal: Decimal, *, start: date, first_due: date, periods: int, level
    ) -> list[Installment]:
        if not principal:
            return []
        schedule = rebuilt_schedule(
            self.loan,
            principal=principal,
            start=start,
            first_due=first_due,
            periods=periods,
            mode=self.mode,
            level=level,
        )
        return rows_from_schedule(
            self.loan, schedule, first_number=0, business_date=self.book.business_date
        )

    def respread(
        self,
        replaced: list[Installment],
        rebuilt: list[Installment],
        *,
        boundary: date,
        prepaid: Decimal,
        principal: Decimal,
    ) -> Decimal:
        """Divide the deferred yield the replaced rows still carry between the prepayment and
        the rebuilt rows (`prepayment_respread`); returns the prepayment row's part."""
        rate = self.loan.effective_rate
        for row in replaced:
            self.app.yields.setdefault(str(row.pk), str(row.yield_amortization))
        released = prepayment_respread(
            self.loan,
            replaced=replaced,
            rows=rebuilt,
            boundary=boundary,
            prepaid=prepaid,
            principal=principal,
        )
        for row in replaced:
            self.book.touch(row)
        if self.loan.effective_rate != rate and not self.app.rate_changed:
            self.app.rate_changed, self.app.rate_before = True, rate
        return released

    # Paths ------------------------------------------------------------------------------

    def settle(self, plan: PayoffPlan) -> Decimal:
        paid = self.pay_in_full(plan.arrears)
        principal = sum((outstanding(row, "principal") for row in plan.future), ZERO)
        if plan.split is not None:
            principal += outstanding(plan.split, "principal")
            self.cut(plan)
            if plan.split.status != Installment.Status.CANCELLED:
                paid += self.pay_in_full([plan.split])
        self.cancel(plan.future)
        if principal:
            self.prepayment_row(principal, [])
            paid += principal
        return paid

    def prepay_after(self, later: list[Installment], remaining: Decimal) -> Decimal:
        """Prepay the principal of `later` rows (none paid on yet), effective from the start of
        the first: the period before it has been paid in full."""
        if not later or any(row.total_paid for row in later):
            return remaining
        principal = sum((outstanding(row, "principal") for row in later), ZERO)
        prepaid = min(remaining, principal)
        if not prepaid:
            return remaining
        rebuilt = self.rebuild(
            principal - prepaid,
            start=later[0].period_start,
            first_due=period_end(later[0]),
            periods=len(later),
            level=level_amount(self.loan, later),
        )
        released = self.respread(
            later, rebuilt, boundary=later[0].period_start, prepaid=prepaid, principal=principal
        )
        self.cancel(later)
        self.prepayment_row(prepaid, rebuilt, deferred_yield=released)
        return remaining - prepaid

    def prepay_from_value_date(self, plan: PayoffPlan, remaining: Decimal) -> Decimal:
        """Cut the current period at V and rebuild the schedule from V."""
        row = plan.split
        assert row is not None
        stub = plan.split_outstanding()
        if remaining <= stub:
            return self.pay([row], remaining)
        principal = outstanding(row, "principal") + sum(
            (outstanding(later, "principal") for later in plan.future), ZERO
        )
        prepaid = min(remaining - stub, principal)
        rebuilt = self.rebuild(
            principal - prepaid,
            start=self.on,
            first_due=period_end(row),
            periods=1 + len(plan.future),
            level=level_amount(self.loan, [row, *plan.future]),
        )
        # Divided on the rows as they were: the cut shortens the current row's period to V.
        released = self.respread(
            [row, *plan.future], rebuilt, boundary=self.on, prepaid=prepaid, principal=principal
        )
        self.cut(plan)
        if row.status != Installment.Status.CANCELLED:
            self.pay_in_full([row])
        self.cancel(plan.future)
        self.prepayment_row(prepaid, rebuilt, deferred_yield=released)
        return remaining - stub - prepaid

    def can_cut(self, plan: PayoffPlan) -> bool:
        row = plan.split
        return (
            row is not None
            and row.interest_paid <= interest_earned(row, self.on, loan_rounding(self.loan))
            and row.fee_paid <= upfront_fee_part(self.loan, row)
            and not row.penalty_paid
        )

    def repay(self, remaining: Decimal) -> Decimal:
        rows = self.book.open_rows()
        overdue = [row for row in rows if row.due_date < self.on]
        remaining = self.pay(overdue, remaining)
        index = next((i for i, row in enumerate(rows) if row.due_date >= self.on), None)
        if index is None or not remaining:
            return remaining
        current = rows[index]
        if remaining < current.outstanding and not self.loan.interest_in_advance:
            # A part of the current installment: its interest only as far as the period has run;
            # what is left then owes nothing but the period's interest still to run.
            remaining = self.pay([current], remaining, earned_only=True)
        remaining = self.pay([current], remaining)
        if remaining and not current.outstanding:
            remaining = self.prepay_after(rows[index + 1 :], remaining)
        return remaining

    def prepay(self, plan: PayoffPlan, remaining: Decimal) -> Decimal:
        remaining = self.pay(plan.arrears, remaining)
        if not remaining:
            return remaining
        if plan.split is None:
            return self.prepay_after(plan.future, remaining)
        if self.can_cut(plan):
            return self.prepay_from_value_date(plan, remaining)
        remaining = self.pay([plan.split], remaining)
        if remaining and not plan.split.outstanding:
            remaining = self.prepay_after(plan.future, remaining)
        return remaining


def apply_payment(
    book: LoanBook, *, amount: Decimal, value_date: date, kind: str, mode: str
) -> Application:
    """Apply `amount` received on `value_date` (see the module docstring). The cash line and
    every line of the application are gathered in `book`; rows are changed in memory (new rows
    are inserted at once, they need ids)."""
    applier = _Applier(book, value_date, mode)
    book.add(cash_received_lines(amount))
    plan = payoff_plan(book.loan, book.rows, value_date)
    remaining = amount
    if remaining >= plan.total:
        remaining -= applier.settle(plan)
    elif kind == "prepayment":
        remaining = applier.prepay(plan, remaining)
    else:
        remaining = applier.repay(remaining)
    if remaining:
        remaining = applier.pay(book.open_rows(), remaining)
    if remaining:
        book.add(overpayment_lines(loan_id=book.loan.id, amount=remaining))
    applier.app.overpayment = remaining
    return applier.app


def payoff_divide(book: LoanBook, value_date: date) -> PayoffPlan:
    """Divide the schedule as a payoff on `value_date` does, paying nothing: the current
    period's row cut at the date, later rows cancelled (what was recognized on them given
    back). A settlement then takes off what is left (`settlements`)."""
    applier = _Applier(book, value_date, mode="")
    plan = payoff_plan(book.loan, book.rows, value_date)
    if plan.split is not None:
        applier.cut(plan)
    applier.cancel(plan.future)
    return plan


def unwind_payment(
    book: LoanBook, *, allocations: list[Allocation], change: dict, value_date: date
) -> None:
    """Undo an application on the schedule (its entry is reversed by the caller): paid and
    caught-up amounts come off, rows it created are cancelled (giving back what the close
    recognized on them since), rows it cancelled or cut are restored."""
    by_id = {row.pk: row for row in book.rows}
    touched = []
    for allocation in allocations:
        row = by_id[allocation.installment_id]
        component = allocation.component
        setattr(row, f"{component}_paid", getattr(row, f"{component}_paid") - allocation.amount)
        if component == "interest":
            row.interest_accrued -= allocation.recognized
        elif component == "fee":
            row.fee_charged -= allocation.recognized
        touched.append(row)
    for pk in change.get("created", []):
        row = by_id[pk]
        book.recognize_interest(row, -row.interest_accrued)
        book.charge_fee(row, -row.fee_charged)
        book.adjust_penalty(row, -row.penalty_due)
        row.status = Installment.Status.CANCELLED
        row.yield_amortization = ZERO
        book.touch(row)
    book.flush()
    for pk, recognized in change.get("cancelled", {}).items():
        row = by_id[int(pk)]
        row.interest_accrued = Decimal(recognized["interest_accrued"])
        row.fee_charged = Decimal(recognized["fee_charged"])
        row.penalty_due = Decimal(recognized["penalty_due"])
        row.status = Installment.Status.SCHEDULED
        touched.append(row)
    for pk, before in change.get("restated", {}).items():
        row = by_id[int(pk)]
        row.principal_due = Decimal(before["principal_due"])
        row.interest_due = Decimal(before["interest_due"])
        row.fee_due = Decimal(before["fee_due"])
        row.due_date = date.fromisoformat(before["due_date"])
        row.days_in_period = before["days_in_period"]
        row.interest_accrued -= Decimal(before["interest_accrued"])
        row.fee_charged -= Decimal(before["fee_charged"])
        row.penalty_due -= Decimal(before["penalty_due"])
        touched.append(row)
    for pk, amount in change.get("yield_amortization", {}).items():
        row = by_id[int(pk)]
        row.yield_amortization = Decimal(amount)
        touched.append(row)
    if "effective_rate" in change:
        rate = change["effective_rate"]
        book.loan.effective_rate = None if rate is None else Decimal(rate)
    for row in touched:
        book.settle_status(row, value_date)
