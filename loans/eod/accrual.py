"""The close's `accrual` step: recognize the day's interest, and each period's fee on the day
it falls due.

Stateless and exact: for every installment whose accrual period has started, the interest
recognized through the business date D is `calc.accrual.accrued_through(...)` (the
period's scheduled interest × elapsed days / period days, rounded), which is monotone and equals
the scheduled interest exactly on the period's last day. The step books the difference from
`Installment.interest_accrued` (never less than zero: a repayment may have recognized interest
early), so daily accruals sum exactly to the schedule, a missed day is caught up the next, and
running the step twice books nothing twice.

Entries (one per loan and day, key `accrual:{loan}:{D}`):
    Dr 1132 interest receivable / Cr 6011 interest income (Cr 2261 interest in suspense when
    the loan is on non-accrual);
    Dr 1133 fees receivable / Cr 6021 fee income, raising `fee_charged` to `fee_due`, once the
    installment is due (fees are contractual charges of the period, not suspended);
    Dr 1305 deferred fees and subsidies / Cr 6011 interest income (the reverse for net costs):
    the deferred yield amortized by the EIR. Stateless too: what is amortized through D is
    `yield_amortized_through` over the loan's planned rows (each period's amount × elapsed days
    / period days, exact on its last day), booked as the difference from
    `Loan.yield_amortized`, so over the life it sums exactly to the deferred amount. Every row
    with an amount counts, whatever its status: a modification or a prepayment that replaces
    rows moves what they carried onto the new rows and leaves them nothing
    (`effective_interest.yield_respread`, `prepayment_respread`), so what is read is the live
    plan; a row of no days (a prepayment's) counts on its own date.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, Q

from calc.accrual import accrued_through
from core.db import rows_update
from ledger.services import EntrySpec, entries_post_bulk
from loans.models import Installment
from loans.posting_rules import accrual_lines
from loans.services.effective_interest import row_amortized_through

from .common import ACTOR, OPEN, ZERO, Chunk, StepResult, loans_lock, rounding_for

KIND = "accrual"


def accrual_key(loan_id: int, business_date) -> str:
    return f"accrual:{loan_id}:{business_date}"


def interest_accrue(chunk: Chunk) -> StepResult:
    today = chunk.business_date
    loans_lock(chunk)
    rows = (
        Installment.objects.filter(chunk.loans("loan_id"), loan__status__in=OPEN)
        .exclude(status=Installment.Status.CANCELLED)
        .filter(
            Q(period_start__lt=today, interest_accrued__lt=F("interest_due"))
            | Q(due_date__lte=today, fee_charged__lt=F("fee_due"))
        )
        .order_by("loan_id", "number")
        .values_list(
            "id",
            "loan_id",
            "period_start",
            "days_in_period",
            "due_date",
            "interest_due",
            "interest_accrued",
            "fee_due",
            "fee_charged",
            "loan__rounding",
            "loan__currency",
            "loan__non_accrual",
        )
    )
    amortization, amortized = _yield_due(chunk)
    specs: list[EntrySpec] = []
    updates: list[tuple] = []
    loan_id = None
    interest = fee = ZERO
    currency = "CNY"
    non_accrual = False

    def flush() -> None:
        if loan_id is not None:
            _append(specs, amortization, loan_id, currency, non_accrual, interest, fee, today)

    for (
        installment_id,
        row_loan,
        period_start,
        days,
        due_date,
        interest_due,
        interest_accrued,
        fee_due,
        fee_charged,
        rounding,
        row_currency,
        row_non_accrual,
    ) in rows:
        if row_loan != loan_id:
            flush()
            loan_id, currency, non_accrual = row_loan, row_currency, row_non_accrual
            interest = fee = ZERO
        new_interest = interest_accrued
        if period_start < today and interest_accrued < interest_due:
            if days > 0:
                period_end = period_start + timedelta(days=days)
                target = accrued_through(
                    interest_due,
                    period_start,
                    period_end,
                    today,
                    rounding_for(rounding, row_currency),
                )
            else:
                target = interest_due
            if target > interest_accrued:
                new_interest = target
                interest += target - interest_accrued
        new_fee = fee_charged
        if due_date <= today and fee_charged < fee_due:
            new_fee = fee_due
            fee += fee_due - fee_charged
        if new_interest != interest_accrued or new_fee != fee_charged:
            updates.append((installment_id, new_interest, new_fee))
    flush()
    for only_yield, (_, yield_currency, yield_non_accrual) in list(amortization.items()):
        _append(
            specs, amortization, only_yield, yield_currency, yield_non_accrual, ZERO, ZERO, today
        )
    entries_post_bulk(specs=specs, actor=ACTOR)
    rows_update(
        "loans_installment",
        [("interest_accrued", "numeric"), ("fee_charged", "numeric")],
        updates,
    )
    rows_update("loans_loan", [("yield_amortized", "numeric")], amortized)
    return StepResult(loans=len(specs), entries=len(specs))


def _append(specs, amortization, loan_id, currency, non_accrual, interest, fee, today) -> None:
    """The loan's accrual entry of the day, if it books anything."""
    amortized_today = amortization.pop(loan_id, (ZERO,))[0]
    if not (interest or fee or amortized_today):
        return
    lines = accrual_lines(
        loan_id=loan_id,
        interest=interest,
        fee=fee,
        non_accrual=non_accrual,
        amortization=amortized_today,
    )
    specs.append(
        EntrySpec(
            kind=KIND,
            business_date=today,
            lines=tuple(lines),
            idempotency_key=accrual_key(loan_id, today),
            currency=currency,
        )
    )


def _yield_due(chunk: Chunk) -> tuple[dict[int, tuple], list[tuple]]:
    """Per open loan with a deferred yield: (amortization to book today, currency, non-accrual),
    and the loans' new `yield_amortized`."""
    today = chunk.business_date
    rows = (
        Installment.objects.filter(
            chunk.loans("loan_id"), loan__status__in=OPEN, period_start__lte=today
        )
        .exclude(yield_amortization=0)
        .order_by("loan_id")
        .values_list(
            "loan_id",
            "yield_amortization",
            "period_start",
            "days_in_period",
            "loan__yield_amortized",
            "loan__rounding",
            "loan__currency",
            "loan__non_accrual",
        )
    )
    targets: dict[int, list] = {}
    for loan_id, amount, start, days, booked, rounding, currency, non_accrual in rows:
        due = row_amortized_through(amount, start, days, today, rounding_for(rounding, currency))
        if loan_id in targets:
            targets[loan_id][0] += due
        else:
            targets[loan_id] = [due, booked, currency, non_accrual]
    amortization, amortized = {}, []
    for loan_id, (target, booked, currency, non_accrual) in targets.items():
        if target != booked:
            amortization[loan_id] = (target - booked, currency, non_accrual)
            amortized.append((loan_id, target))
    return amortization, amortized
