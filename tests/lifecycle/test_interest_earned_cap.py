"""Issue 25 item 2: a repayment of part of the current installment pays its interest only as far
as the period has run by the value date (the rest to principal), unless the product takes
interest in advance; the payoff quote falls by the whole payment."""

from datetime import date
from decimal import Decimal

import pytest

from loans.models import Allocation
from loans.services.payoff import loan_payoff_quote
from loans.services.repayments import loan_repay

from .factories import assert_books_consistent, make_active_loan, reload, schedule

pytestmark = pytest.mark.django_db
START = date(2026, 1, 15)
D = Decimal


def repay(loan, amount: str, on: date, key: str):
    return loan_repay(
        loan=loan, amount=D(amount), value_date=on, business_date=on, idempotency_key=key
    )


def allocated(repayment) -> dict[str, Decimal]:
    return {
        row.component: row.amount
        for row in Allocation.objects.filter(repayment=repayment, active=True)
    }


def test_a_same_day_partial_payment_pays_no_interest_that_has_not_run():
    loan = make_active_loan()
    before = loan_payoff_quote(loan=loan, on=START).total
    repayment = repay(loan, "500.00", START, "same-day")
    assert allocated(repayment) == {"principal": D("500.00")}
    assert loan_payoff_quote(loan=reload(loan), on=START).total == before - D("500.00")
    first = schedule(loan)[0]
    assert (first.interest_paid, first.principal_paid) == (D("0.00"), D("500.00"))
    assert_books_consistent(loan)


def test_a_partial_payment_mid_period_pays_the_interest_earned_to_its_date():
    loan = make_active_loan()
    on = date(2026, 1, 25)  # 10 of the first period's 31 days: 120.00 × 10 / 31
    repayment = repay(loan, "300.00", on, "mid")
    assert allocated(repayment) == {"interest": D("38.71"), "principal": D("261.29")}
    # the installment then owes the rest of its interest on its due date, as scheduled
    first = schedule(loan)[0]
    assert first.interest_due - first.interest_paid == D("81.29")
    assert_books_consistent(loan)


def test_a_product_may_take_interest_in_advance_explicitly():
    loan = make_active_loan(interest_in_advance=True)
    assert loan.interest_in_advance
    repayment = repay(loan, "500.00", START, "advance")
    assert allocated(repayment) == {"interest": D("120.00"), "principal": D("380.00")}
    assert_books_consistent(loan)
