"""A payment dated before a modification replays across it: the modification and the repayments
after the payment are unwound, the payment applied on its value date, and they are applied again
(the modification with its parameters, as of the day it was first applied) — the loan ends as
if the payment had arrived on its value date.

The oracle is a second, identical loan on which the payment did arrive on its value date, before
the same modification. Both loans: 12,000 over 12 months at 12%, installments of 1,066.19 from
Feb 15, 2026; 1,066.19 paid on Feb 15, Mar 15 and Apr 15; an extra 2,000.00 on Mar 20 (it pays
the Apr 15 installment and prepays the rest: the Apr 15 payment then pays May 15); a term
extension to 16 periods on Apr 20. On the replayed loan the 2,000.00 is recorded on Apr 21,
dated Mar 20, after the extension: the Apr 15 payment and the extension are unwound, and applied
again after it. After the close of Apr 21 (which catches up the day's interest on the rows rebuilt
by the replay), both loans have the same schedule and the same balance on every account.
"""

from datetime import date
from decimal import Decimal

import pytest

from ledger.selectors import loan_balances
from loans.models import Installment, LoanModification
from loans.services.modifications import modification_approve, modification_request
from loans.services.repayments import loan_repay

from ..lifecycle.factories import assert_books_consistent, close_steps, make_active_loan, reload

pytestmark = pytest.mark.django_db
D = Decimal
EXTRA = date(2026, 3, 20)
EXTENDED = date(2026, 4, 20)
RECORDED = date(2026, 4, 21)
STEPS = ("accrual", "due", "delinquency", "penalties", "states")


def pay(loan, amount, value_date, business_date, key):
    loan_repay(
        loan=reload(loan),
        amount=D(amount),
        value_date=value_date,
        business_date=business_date,
        idempotency_key=f"{loan.pk}:{key}",
    )


def days(loan, start, end, on_day=None):
    for ordinal in range(start.toordinal(), end.toordinal() + 1):
        day = date.fromordinal(ordinal)
        if on_day:
            on_day(day)
        close_steps(day, *STEPS, loan=loan)


def extend(loan):
    requested = modification_request(
        loan=reload(loan),
        kind="reschedule",
        effective_date=EXTENDED,
        parameters={"term": 16},
        business_date=EXTENDED,
        requested_by="maker",
    )
    return modification_approve(modification=requested, checker="checker", business_date=EXTENDED)


def life(*, extra_on_time: bool):
    loan = make_active_loan()

    def payments(day):
        if day in (date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15)):
            pay(loan, "1066.19", day, day, f"due-{day}")
        if day == EXTRA and extra_on_time:
            pay(loan, "2000.00", EXTRA, EXTRA, "extra")
        if day == EXTENDED:
            extend(loan)
        if day == RECORDED and not extra_on_time:
            pay(loan, "2000.00", EXTRA, RECORDED, "extra")

    days(loan, date(2026, 1, 16), RECORDED, payments)
    return reload(loan)


def picture(loan):
    """A loan as a replay must leave it: its live rows (amounts, accruals, payments, status,
    planned deferred yield), its balances, its rate and EIR."""
    rows = [
        (
            row.due_date,
            row.period_start,
            row.principal_due,
            row.interest_due,
            row.interest_accrued,
            row.principal_paid,
            row.interest_paid,
            row.status,
            row.yield_amortization,
        )
        for row in Installment.objects.filter(loan=loan)
        .exclude(status="cancelled")
        .order_by("due_date", "number")
    ]
    balances = loan_balances(loan_id=loan.pk, currency="CNY")
    return (
        rows,
        {code: amount for code, amount in balances.items() if amount},
        loan.annual_rate,
        loan.effective_rate,
    )


def test_a_payment_dated_before_a_reschedule_replays_across_it():
    oracle = life(extra_on_time=True)
    replayed = life(extra_on_time=False)
    modification = LoanModification.objects.get(loan=replayed)
    assert modification.change["generation"] == 2
    assert len(modification.schedule_after) == 16
    assert picture(replayed) == picture(oracle)
    assert reload(replayed).maturity_date == reload(oracle).maturity_date
    assert_books_consistent(replayed, oracle)
