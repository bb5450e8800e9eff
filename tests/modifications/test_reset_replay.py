"""Payments and reversals dated before a close's batched rate reset replay across it, as they do
across a modification applied on its own (`test_modification_replay`).

The loan (as in `test_rate_resets`): 12,000 over 12 months from Jan 15, 2026 at 12%, following
the one-year LPR plus 6% with a floor of 10%, reset every 3 months: the close of Apr 15 reprices
it to 10% and rewrites rows 4–12 in place. Installments of 1,066.19 are paid on Feb 15, Mar 15
and Apr 15 (before that day's close).

The oracle is a second, identical loan on which the history arrived in date order: the payment
on its value date, or the reversed payment never. On the replayed loan the reset is unwound (what
the close recognized on its rows since given back, their amounts before put back) and applied
again after the payment, as of the day it was first applied. After the close of Apr 21 both loans
have the same schedule, rate and balance on every account.
"""

from datetime import date
from decimal import Decimal

import pytest

from loans.errors import LoanRuleError
from loans.models import Installment, LoanModification, Repayment
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse

from ..lifecycle.factories import (
    ACTOR,
    assert_books_consistent,
    close_steps,
    make_active_loan,
    reload,
)
from .test_modification_replay import picture

pytestmark = pytest.mark.django_db
D = Decimal
RESET = date(2026, 4, 15)
EXTRA = date(2026, 3, 20)
RECORDED = date(2026, 4, 21)
STEPS = ("rate_resets", "accrual", "due", "states")
FLOATING = {
    "rate_index": "lpr_1y",
    "rate_margin": D("0.06"),
    "rate_floor": D("0.10"),
    "rate_ceiling": D("0.15"),
    "rate_reset_months": 3,
}
DUE = (date(2026, 2, 15), date(2026, 3, 15), RESET)


def pay(loan, amount, value_date, business_date, key):
    return loan_repay(
        loan=reload(loan),
        amount=D(amount),
        value_date=value_date,
        business_date=business_date,
        idempotency_key=f"{loan.pk}:{key}",
    )


def life(on_day, end=RECORDED, **terms):
    loan = make_active_loan(**FLOATING, **terms)
    for ordinal in range(date(2026, 1, 16).toordinal(), end.toordinal() + 1):
        day = date.fromordinal(ordinal)
        on_day(loan, day)
        close_steps(day, *STEPS, loan=loan)
    return reload(loan)


def the_reset(loan):
    (reset,) = LoanModification.objects.filter(loan=loan)
    assert reset.requested_by == "system:rate_resets"
    return reset


def test_a_payment_dated_before_a_batched_reset_replays_across_it():
    def on_time(loan, day):
        if day in DUE:
            pay(loan, "1066.19", day, day, f"due-{day}")
        if day == EXTRA:
            pay(loan, "2000.00", EXTRA, EXTRA, "extra")

    def late(loan, day):
        if day in DUE:
            pay(loan, "1066.19", day, day, f"due-{day}")
        if day == RECORDED:
            pay(loan, "2000.00", EXTRA, RECORDED, "extra")

    oracle, replayed = life(on_time), life(late)
    reset = the_reset(replayed)
    assert reset.change["generation"] == 2
    assert picture(replayed) == picture(oracle)
    assert reload(replayed).maturity_date == reload(oracle).maturity_date
    assert reload(replayed).annual_rate == D("0.10")
    assert_books_consistent(replayed, oracle)


def test_a_fee_loans_deferred_yield_is_re_spread_again_when_a_reset_replays():
    """With a 120.00 upfront fee declared yield, the reset re-spreads what is left of it over
    the rows it rewrites; reversing a payment dated before the reset unwinds that (the rows get
    their planned amounts before back) and re-spreads again, ending where the loan that never
    paid ends: same plan, EIR and 1305 balance."""
    fee = {"upfront_fee_amount": D("120.00"), "yield_fees": ["upfront_fee"]}

    def without(loan, day):
        if day in DUE and day != date(2026, 3, 15):
            pay(loan, "1066.19", day, day, f"due-{day}")

    def reversed_later(loan, day):
        if day in DUE:
            pay(loan, "1066.19", day, day, f"due-{day}")
        if day == RECORDED:
            repayment = Repayment.objects.get(idempotency_key=f"{loan.pk}:due-2026-03-15")
            repayment_reverse(repayment=repayment, business_date=RECORDED, actor=ACTOR)

    oracle, replayed = life(without, **fee), life(reversed_later, **fee)
    reset = the_reset(replayed)
    assert reset.change["generation"] == 2 and reset.yield_respread > 0
    assert reset.effective_rate_after < reset.effective_rate_before
    assert picture(replayed) == picture(oracle)
    assert reload(replayed).yield_amortized == reload(oracle).yield_amortized
    assert_books_consistent(replayed, oracle)


def test_reversing_a_payment_dated_before_a_batched_reset_replays_across_it():
    def without(loan, day):
        if day in DUE and day != date(2026, 3, 15):
            pay(loan, "1066.19", day, day, f"due-{day}")

    def reversed_later(loan, day):
        if day in DUE:
            pay(loan, "1066.19", day, day, f"due-{day}")
        if day == RECORDED:
            repayment = Repayment.objects.get(idempotency_key=f"{loan.pk}:due-2026-03-15")
            repayment_reverse(repayment=repayment, business_date=RECORDED, actor=ACTOR)

    oracle, replayed = life(without), life(reversed_later)
    reset = the_reset(replayed)
    assert reset.change["generation"] == 2
    assert picture(replayed) == picture(oracle)
    assert_books_consistent(replayed, oracle)


def test_a_reset_rewritten_in_place_is_unwound_to_the_amounts_before_it():
    """Unwound on its own (nothing replayed after it), the rows it rewrote carry their amounts
    before again and what the close recognized on them since is given back."""

    def before_reset(loan, day):
        if day in DUE[:2]:
            pay(loan, "1066.19", day, day, f"due-{day}")

    loan = life(before_reset, end=date(2026, 4, 14))
    before = picture(loan)[0]
    close_steps(RESET, *STEPS, loan=loan)
    close_steps(date(2026, 4, 16), *STEPS, loan=loan)
    reset = the_reset(loan)
    assert reset.change["rewritten"] == list(
        Installment.objects.filter(loan=loan, period_start__gte=RESET)
        .order_by("due_date")
        .values_list("pk", flat=True)
    )
    assert len(reset.schedule_before) == len(reset.change["rewritten"]) == 9
    # a payment dated Apr 14 (before the reset) replays it: the payment, then the reset again
    pay(loan, "1066.19", date(2026, 4, 14), date(2026, 4, 16), "early")
    reset.refresh_from_db()
    assert reset.change["generation"] == 2 and "rewritten" not in reset.change
    assert picture(loan)[0] != before
    assert_books_consistent(loan)


def test_reversing_a_payment_a_settlement_was_built_on_is_refused_and_changes_nothing():
    from .test_settlements import ON, PAID, ask, days, first_paid
    from .test_settlements import pay as settle_pay

    loan = first_paid()
    from loans.services.modifications import modification_approve
    from tests.api.conftest import make_user

    settlement = modification_approve(
        modification=ask(loan),
        checker=make_user(staff=True, groups=("collector",)).username,
        business_date=ON,
    )
    days(loan, ON, PAID)
    settle_pay(loan, "9000.00", PAID, "settle")
    first = Repayment.objects.get(idempotency_key=f"first:{loan.pk}")
    before = picture(reload(loan))
    with pytest.raises(LoanRuleError, match=f"Modification {settlement.pk}"):
        repayment_reverse(repayment=first, business_date=date(2026, 2, 23), actor=ACTOR)
    assert picture(reload(loan)) == before
    assert Repayment.objects.get(pk=first.pk).status == "posted"
    assert reload(loan).status == "paid_off"
    assert_books_consistent(loan)


def test_a_reset_whose_rows_something_else_paid_is_not_unwound():
    """Rows a reset rewrote that carry a payment the replay would not unwind (here set directly)
    cannot be put back: the payment replaying across it is refused, naming the reset, and
    nothing changes."""

    def before_reset(loan, day):
        if day in DUE[:2]:
            pay(loan, "1066.19", day, day, f"due-{day}")

    loan = life(before_reset, end=RESET)
    reset = the_reset(loan)
    last = Installment.objects.filter(pk=reset.change["rewritten"][-1])
    last.update(principal_paid=D("1.00"))
    before = (picture(loan), Repayment.objects.count(), reset.change)
    with pytest.raises(LoanRuleError, match=f"Modification {reset.pk} .*installments \\[12\\]"):
        pay(loan, "1066.19", date(2026, 4, 14), date(2026, 4, 16), "early")
    reset.refresh_from_db()
    assert (picture(reload(loan)), Repayment.objects.count(), reset.change) == before


def test_unwinding_a_reset_on_a_fee_loan_puts_its_deferred_yield_plan_back():
    """The state a replay starts from: the reset unwound on its own gives the rows it rewrote
    their planned amortization before it, and the loan its EIR before."""
    from loans.services.applying import loan_lock, loan_rows
    from loans.services.book import LoanBook
    from loans.services.modification_apply import modification_unwind

    fee = {"upfront_fee_amount": D("120.00"), "yield_fees": ["upfront_fee"]}

    def before_reset(loan, day):
        if day in DUE[:2]:
            pay(loan, "1066.19", day, day, f"due-{day}")

    loan = life(before_reset, end=date(2026, 4, 14), **fee)
    planned = dict(
        Installment.objects.filter(loan=loan, period_start__gte=RESET).values_list(
            "pk", "yield_amortization"
        )
    )
    rate_before = reload(loan).effective_rate
    close_steps(RESET, *STEPS, loan=loan)
    reset = the_reset(loan)
    assert reset.yield_respread == sum(planned.values()) > 0
    respread = dict(
        Installment.objects.filter(pk__in=planned).values_list("pk", "yield_amortization")
    )
    assert respread != planned and sum(respread.values()) == sum(planned.values())
    locked = loan_lock(loan.pk)
    book = LoanBook(locked, business_date=RESET, rows=loan_rows(locked, open_only=False))
    modification_unwind(book, reset, actor=ACTOR)
    unwound = dict(
        Installment.objects.filter(pk__in=planned).values_list("pk", "yield_amortization")
    )
    assert unwound == planned
    assert reload(loan).effective_rate == rate_before
