"""The close's `penalties` step: penalty interest (罚息) on overdue amounts, never above the
jurisdiction's cap.

Each day a loan is past due (beyond its grace days), every installment past due accrues
    round(overdue principal and interest of the installment × penalty rate / day-count basis)
raising `Installment.penalty_due`. Entry (key `penalty:{loan}:{D}`): Dr 1134 penalty
receivable / Cr 6031 penalty income (Cr 2261 interest in suspense on non-accrual).

The cap on the all-in cost (综合融资成本) over the loan's life, checked before each day's penalty:

    allowed = cap rate × principal-days / basis
    charged = upfront fee + Σ scheduled interest + Σ fees + Σ penalties charged so far
    headroom = allowed - charged (rounded down to the minor unit, never below zero)

*principal-days* count each installment's principal for the days from disbursement to the later
of its due date and the day it was (or is still not) repaid: scheduled life for principal repaid
on time or early, actual life for principal repaid late or still owed (the paid part of a
partly paid installment counts to its due date, which understates the allowance, the safe side).
The cap rate is the one disclosed at signing (`Loan.apr_cap`), else the jurisdiction's cap on the
start date. Both sides measure the whole contract, so a loan priced within the cap has room for
penalties in proportion to how long its principal stays overdue; the day's penalty is cut to the
headroom and the cut recorded as a `PenaltyCap` row.

A penalty is not a running figure that can be recomputed, so the step skips loans whose key for
the day is already posted: running it twice books nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache

from calc.rate_caps import RateCapError, rate_cap
from core.db import rows_update
from ledger.services import EntrySpec, entries_post_bulk
from loans.models import Installment, Loan, PenaltyCap
from loans.posting_rules import penalty_accrual_lines

from .common import ACTOR, OPEN, ZERO, Chunk, StepResult, basis_for, posted_keys, rounding_for
from .delinquency import UNPAID

KIND = "penalty"
PAID = Installment.Status.PAID.value


def penalty_key(loan_id: int, business_date: date) -> str:
    return f"penalty:{loan_id}:{business_date}"


@lru_cache(maxsize=256)
def _jurisdiction_cap(jurisdiction: str, on_date: date, rule: str) -> Decimal | None:
    try:
        return rate_cap(jurisdiction, on_date, rule or None)[1]
    except RateCapError:
        return None


def loan_cap_rate(
    apr_cap: Decimal | None, jurisdiction: str, start: date, rule: str
) -> Decimal | None:
    return apr_cap if apr_cap is not None else _jurisdiction_cap(jurisdiction, start, rule)


def cost_limits(
    installments: Iterable[tuple],
    *,
    disbursed: date,
    today: date,
    cap_rate: Decimal,
    basis: int,
    upfront_fee: Decimal,
) -> tuple[Decimal, Decimal]:
    """(allowed, charged) all-in cost of a loan (see the module docstring). Installments are
    (status, paid_on, due_date, principal_due, principal_paid, interest_due, fee_due,
    penalty_due) tuples, cancelled ones left out."""
    principal_days = ZERO
    charged = upfront_fee
    for (
        status,
        paid_on,
        due,
        principal_due,
        principal_paid,
        interest_due,
        fee_due,
        penalty,
    ) in installments:
        paid_until = max(due, paid_on) if status == PAID and paid_on is not None else due
        owed_until = max(due, today)
        principal_days += principal_paid * (paid_until - disbursed).days
        principal_days += (principal_due - principal_paid) * (owed_until - disbursed).days
        charged += interest_due + fee_due + penalty
    return cap_rate * principal_days / basis, charged


def penalties_accrue(chunk: Chunk) -> StepResult:
    today = chunk.business_date
    # Locked like any booking on a loan: a repayment meanwhile waits (see `loans_lock`).
    loans = list(
        Loan.objects.filter(chunk.loans(), status__in=OPEN, days_past_due__gt=0, penalty_rate__gt=0)
        .order_by("id")
        .select_for_update()
        .values_list(
            "id",
            "penalty_rate",
            "day_count",
            "grace_days",
            "rounding",
            "currency",
            "non_accrual",
            "upfront_fee",
            "apr_cap",
            "apr_cap_rule",
            "jurisdiction",
            "start_date",
            "disbursed_on",
        )
    )
    done = posted_keys([penalty_key(row[0], today) for row in loans])
    loans = [row for row in loans if penalty_key(row[0], today) not in done]
    if not loans:
        return StepResult()
    schedules: dict[int, list[tuple]] = {}
    for row in (
        Installment.objects.filter(loan_id__in=[row[0] for row in loans])
        .exclude(status=Installment.Status.CANCELLED)
        .order_by("loan_id", "due_date", "number")
        .values_list(
            "loan_id",
            "id",
            "status",
            "paid_on",
            "due_date",
            "principal_due",
            "principal_paid",
            "interest_due",
            "interest_paid",
            "fee_due",
            "penalty_due",
        )
    ):
        schedules.setdefault(row[0], []).append(row[1:])

    specs, updates, caps = [], [], []
    for (
        loan_id,
        rate,
        day_count,
        grace,
        rounding_mode,
        currency,
        non_accrual,
        upfront_fee,
        apr_cap,
        cap_rule,
        jurisdiction,
        start,
        disbursed_on,
    ) in loans:
        rows = schedules.get(loan_id, [])
        rounding = rounding_for(rounding_mode, currency)
        basis = basis_for(day_count)
        daily = []
        for (
            pk,
            status,
            _,
            due,
            principal_due,
            principal_paid,
            interest_due,
            interest_paid,
            *_,
        ) in rows:
            if status not in UNPAID or (today - due).days <= grace:
                continue
            overdue = principal_due - principal_paid + interest_due - interest_paid
            amount = rounding(overdue * rate / basis) if overdue > 0 else ZERO
            if amount > 0:
                daily.append((pk, amount))
        uncapped = sum((amount for _, amount in daily), ZERO)
        if not uncapped:
            continue
        booked = uncapped
        cap_rate = loan_cap_rate(apr_cap, jurisdiction, start, cap_rule)
        if cap_rate is not None:
            allowed, charged = cost_limits(
                (
                    (status, paid_on, due, p_due, p_paid, i_due, fee_due, penalty)
                    for _, status, paid_on, due, p_due, p_paid, i_due, _, fee_due, penalty in rows
                ),
                disbursed=disbursed_on or start,
                today=today,
                cap_rate=cap_rate,
                basis=basis,
                upfront_fee=upfront_fee,
            )
            booked = min(uncapped, max(ZERO, rounding.down(allowed - charged)))
            if booked < uncapped:
                caps.append(
                    PenaltyCap(
                        loan_id=loan_id,
                        business_date=today,
                        penalty_uncapped=uncapped,
                        penalty_booked=booked,
                        cap_rate=cap_rate,
                        allowed_cost=rounding.down(allowed),
                        charged_cost=charged,
                    )
                )
        if not booked:
            continue
        # The booked amount goes to the oldest overdue installments first.
        penalty_now = {row[0]: row[-1] for row in rows}
        left = booked
        for pk, amount in daily:
            share = min(amount, left)
            if share:
                updates.append((pk, penalty_now[pk] + share))
                left -= share
        specs.append(
            EntrySpec(
                kind=KIND,
                business_date=today,
                idempotency_key=penalty_key(loan_id, today),
                currency=currency,
                lines=tuple(
                    penalty_accrual_lines(loan_id=loan_id, amount=booked, non_accrual=non_accrual)
                ),
            )
        )
    entries_post_bulk(specs=specs, actor=ACTOR)
    rows_update("loans_installment", [("penalty_due", "numeric")], updates)
    PenaltyCap.objects.bulk_create(caps, ignore_conflicts=True)
    return StepResult(
        loans=len(specs) + sum(1 for cap in caps if not cap.penalty_booked), entries=len(specs)
    )
