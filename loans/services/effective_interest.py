"""The effective-interest method on a loan (IFRS 9 B5.4, CAS 22): what a product declares part of
the yield (`Product.yield_fees`) is deferred into 1305 at disbursement and amortized into
interest income by the EIR (`calc.effective_interest`).

At disbursement `yield_plan` works out the deferred amount (an upfront fee and a merchant
subsidy declared yield, less direct costs declared yield), solves the EIR on the contractual
schedule, records both on the loan and gives each installment the part of the deferred amount
its period amortizes (`Installment.yield_amortization`, summing to the deferred amount exactly).

What is amortized through a date is stateless, like the interest accrual: Σ over the loan's
planned rows of their amount × elapsed days / period days (`yield_amortized_through`, exact on
each period's last day). The close's accrual step books the difference from
`Loan.yield_amortized`, in either direction. When the loan is settled early (payoff, a
prepayment or waiver that settles it) `yield_release` books what is left at once, so a settled
loan holds nothing deferred; a loan reopened afterwards is brought back to its plan by the next
close. A write-off takes the deferred balance into the loss and a cooling-off cancellation
settles it with the borrower (`loans.posting_rules`).

A modification that replaces rows (payment holiday, reschedule, re-age, rate change, and the
close's batched floating-rate resets) re-spreads (`yield_respread`): the plan lives on the rows,
so the rows it replaces, whose periods start on or after the boundary and have amortized nothing
by it, give what they carried to the new rows, planned by the EIR of the new rows' cash flows at
the carrying amount at the boundary (principal they repay less the amount moved). A cancelled
row keeps only what it amortized before it was replaced (nothing), so Σ over the rows standing
is the deferred amount and the close's stateless read (it reads every row with an amount) is the
live plan. The loan records the new EIR; the modification record keeps the EIR before and after
and the amount re-spread; unwinding a modification restores every row's amount and the EIR. A
settlement (discounted payoff) settles the loan, so `yield_release` books what is left.
A partial prepayment that rebuilds the schedule (`prepayment_respread`) divides what the rows it
replaces had still to amortize after the boundary: the prepaid principal's share is released on
the prepayment row (due on the value date, so amortized by the end of it), the rest is spread over
the rebuilt rows by their EIR; what was amortized by the boundary moves to the prepayment row too,
which gives the same plan for every date from the value date on. The payment's change record
keeps the rows' amounts and the EIR before, so unwinding it puts the plan back exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from calc.accrual import accrued_through
from calc.daycount import parse_day_count
from calc.effective_interest import EffectiveInterestError, EirPeriod, effective_interest_schedule
from calc.money import Rounding
from core.db import rows_update
from core.money import ZERO
from ledger.services import EntrySpec, entry_post
from loans.errors import LoanRuleError
from loans.models import Installment, Loan
from loans.posting_rules import yield_amortization_lines

from .schedule_rows import loan_rounding, period_end, upfront_fee_part

UPFRONT_FEE = "upfront_fee"
MERCHANT_SUBSIDY = "merchant_subsidy"
DIRECT_COSTS = "direct_costs"
RELEASE_KIND = "yield_release"


def is_yield(loan: Loan, fee: str) -> bool:
    return fee in (loan.yield_fees or [])


def deferred_at_disbursement(loan: Loan, *, upfront_fee: Decimal, subsidy: Decimal) -> Decimal:
    """Fees and subsidies received less costs paid that belong to the yield."""
    deferred = ZERO
    if is_yield(loan, UPFRONT_FEE):
        deferred += upfront_fee
    if is_yield(loan, MERCHANT_SUBSIDY):
        deferred += subsidy
    if is_yield(loan, DIRECT_COSTS):
        deferred -= loan.direct_costs
    return deferred


def eir_periods(loan: Loan, rows: Sequence[Installment]) -> tuple[list[EirPeriod], Decimal, int]:
    """The schedule as EIR periods (day-count days between period ends, cash flow, contractual
    interest), what its flows repay beyond interest, and the day-count basis."""
    convention = parse_day_count(loan.day_count)
    yield_fee = is_yield(loan, UPFRONT_FEE)
    periods, repaid = [], ZERO
    previous = rows[0].period_start
    for row in rows:
        end = period_end(row)
        fee = upfront_fee_part(loan, row) if yield_fee else ZERO
        flow = row.principal_due + row.interest_due + fee
        periods.append(EirPeriod(convention.days(previous, end), flow, row.interest_due))
        repaid += row.principal_due + fee
        previous = end
    return periods, repaid, convention.basis


def _spread(loan: Loan, rows: Sequence[Installment], deferred: Decimal, refusal: str) -> Decimal:
    """Solve the EIR of `rows`' cash flows at their carrying amount less `deferred`, give each
    row its part of `deferred` and return the annual EIR; refused with `refusal` and the reason
    when the flows have none. Nothing deferred: the rows carry nothing (the contractual interest
    is the income) and the EIR is still returned."""
    periods, recognized, basis = eir_periods(loan, rows)
    try:
        plan = effective_interest_schedule(
            recognized=recognized,
            deferred=deferred,
            periods=periods,
            basis=basis,
            rounding=loan_rounding(loan),
        )
    except EffectiveInterestError as exc:
        raise LoanRuleError(f"{refusal}: {exc}") from exc
    for row, amount in zip(rows, plan.amortization, strict=True):
        row.yield_amortization = amount if deferred else ZERO
    return plan.annual_rate


def yield_plan(loan: Loan, rows: Sequence[Installment], *, deferred: Decimal) -> None:
    """Solve the EIR on the new schedule `rows` (not yet saved) and spread `deferred` over them;
    sets the loan's `effective_rate` and `deferred_yield` (the caller saves both)."""
    loan.effective_rate = _spread(
        loan, rows, deferred, f"Loan {loan.reference} has no effective interest rate"
    )
    loan.deferred_yield = deferred
    loan.yield_amortized = ZERO


@dataclass(frozen=True, slots=True)
class Respread:
    """A modification's re-spread: the EIR before and after, and the deferred amount not yet
    amortized at the boundary that the new rows now carry."""

    rate_before: Decimal | None
    rate_after: Decimal
    amount: Decimal


def yield_respread(
    loan: Loan, replaced: Sequence[Installment], rows: Sequence[Installment]
) -> Respread:
    """Move what the `replaced` rows had still to amortize onto the new `rows` (not yet saved)
    by the EIR of the new rows' cash flows: the rate discounting them to the carrying amount at
    the boundary (the principal they repay less the amount moved). The replaced rows are left
    with what they amortized by the boundary: nothing, as their periods start on or after it
    (`row_amortized_through` is zero through the day before a period starts). Sets the loan's
    `effective_rate`; the caller saves it and writes the replaced rows (`yield_rows_write`)."""
    left = sum((row.yield_amortization for row in replaced), ZERO)
    rate = _spread(
        loan,
        rows,
        left,
        f"Loan {loan.reference}'s new schedule has no effective interest rate to re-spread "
        f"its deferred yield of {left} by",
    )
    for row in replaced:
        row.yield_amortization = ZERO
    respread = Respread(loan.effective_rate, rate, left)
    loan.effective_rate = rate
    return respread


def yield_rows_write(rows: Iterable[Installment]) -> None:
    """Write the rows' planned amortization back (one UPDATE)."""
    rows_update(
        Installment._meta.db_table,
        [("yield_amortization", "numeric")],
        [(row.pk, row.yield_amortization) for row in rows],
    )


def prepayment_respread(
    loan: Loan,
    *,
    replaced: Sequence[Installment],
    rows: Sequence[Installment],
    boundary: date,
    prepaid: Decimal,
    principal: Decimal,
) -> Decimal:
    """A partial prepayment of `prepaid` out of `principal` replaces `replaced` by the rebuilt
    `rows` (not yet saved; their periods start on `boundary`). What the replaced rows planned
    beyond what they amortized by the end of `boundary` is divided: `prepaid / principal` of it is
    released, the rest spread over `rows` by their EIR (set on the loan). The replaced rows are
    left with nothing; returns what the prepayment row (due on the value date, on or before
    `boundary`) carries: the release and what the replaced rows had amortized by the boundary."""
    rounding = loan_rounding(loan)
    planned = sum((row.yield_amortization for row in replaced), ZERO)
    if not planned:
        return ZERO
    kept = sum(
        (
            row_amortized_through(
                row.yield_amortization, row.period_start, row.days_in_period, boundary, rounding
            )
            for row in replaced
        ),
        ZERO,
    )
    for row in replaced:
        row.yield_amortization = ZERO
    left = planned - kept
    released = left if not rows or not principal else rounding(left * prepaid / principal)
    spread = left - released
    if rows:
        loan.effective_rate = _spread(
            loan,
            rows,
            spread,
            f"Loan {loan.reference}'s schedule rebuilt by the prepayment has no effective "
            f"interest rate to spread its deferred yield of {spread} by",
        )
    return kept + released


def row_amortized_through(
    amount: Decimal, period_start: date, days: int, on: date, rounding: Rounding
) -> Decimal:
    """The part of a row's planned amortization due by the end of `on`: linear over the period's
    days like its interest, exact on its last day (a row of no days, such as a prepayment's, on
    its date)."""
    if not amount or on < period_start:
        return ZERO
    if days <= 0:
        return amount
    end = period_start + timedelta(days=days)
    magnitude = accrued_through(abs(amount), period_start, end, on, rounding)
    return magnitude if amount > 0 else -magnitude


def yield_amortized_through(
    rows: Iterable[tuple[Decimal, date, int]], on: date, rounding: Rounding
) -> Decimal:
    """Σ over (planned amount, period start, days) of what is amortized by the end of `on`."""
    return sum(
        (row_amortized_through(amount, start, days, on, rounding) for amount, start, days in rows),
        ZERO,
    )


def yield_release(*, loan: Loan, business_date: date, actor: str) -> Decimal:
    """Book what is left of the loan's deferred yield into interest income now (it is settled):
    nothing stays deferred. Returns the amount released (negative for net costs). The caller
    holds the loan's row lock and transaction."""
    left = loan.deferred_yield - loan.yield_amortized
    if not left:
        return ZERO
    entry_post(
        spec=EntrySpec(
            kind=RELEASE_KIND,
            business_date=business_date,
            idempotency_key=f"yield-release:{loan.pk}:{business_date}:{loan.yield_amortized}",
            currency=loan.currency,
            lines=tuple(yield_amortization_lines(loan_id=loan.pk, amount=left)),
            memo=f"Deferred fees and subsidies of loan {loan.reference} released: settled",
        ),
        actor=actor,
    )
    loan.yield_amortized = loan.deferred_yield
    loan.save(update_fields=["yield_amortized", "updated_at"])
    return left
