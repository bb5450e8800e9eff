"""Cooling-off cancellation: the principal comes back and every balance of the loan nets to
zero — no interest, no fees."""

from datetime import date
from decimal import Decimal

import pytest

from ledger import chart
from ledger.selectors import account_balance, loan_balances
from ledger.services import business_date_current
from loans.eod import close_day_run
from loans.errors import LoanRuleError, LoanStateError
from loans.models import Installment
from loans.services.cooling_off import loan_cancel_cooling_off, loan_cooling_off_quote
from loans.services.repayments import loan_repay

from .factories import assert_books_consistent, close_steps, make_active_loan, reload

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 15)


def test_a_cancellation_with_a_withheld_fee_takes_back_what_was_paid_out():
    # given 12,000 disbursed with 200 withheld, and three days of interest accrued by the close
    loan = make_active_loan(upfront_fee_amount=D("200.00"))
    close_steps(date(2026, 1, 18), "accrual", loan=loan)
    assert Installment.objects.get(loan=loan, number=1).interest_accrued == D("11.61")
    # when the borrower returns the 11,800 received, on day 5
    quote = loan_cooling_off_quote(loan=loan)
    assert quote.returned_by_borrower == D("11800.00") and quote.last_day == date(2026, 1, 22)
    cancellation = loan_cancel_cooling_off(
        loan=loan, amount=D("11800.00"), business_date=date(2026, 1, 20), idempotency_key="cool"
    )
    # then the loan is cancelled with no interest or fee left on any of its accounts
    assert reload(loan).status == "cancelled"
    assert cancellation.kind == "cooling_off"
    assert all(amount == 0 for amount in loan_balances(loan_id=loan.pk).values())
    assert account_balance(code="1002") == 0
    assert not Installment.objects.filter(loan=loan).exclude(status="cancelled").exists()
    assert_books_consistent(loan)


def test_a_cancellation_refunds_a_fee_and_interest_already_paid():
    # given a fee charged on the first installment, and 300 paid on it on day 3
    loan = make_active_loan(upfront_fee_amount=D("200.00"), upfront_fee_withheld=False)
    loan_repay(
        loan=loan,
        amount=D("300.00"),
        value_date=date(2026, 1, 18),
        business_date=date(2026, 1, 18),
        idempotency_key="early",
    )
    # when the loan is cancelled, the borrower returns 12,000 less the 300 paid
    quote = loan_cooling_off_quote(loan=loan)
    assert quote.returned_by_borrower == D("11700.00")
    loan_cancel_cooling_off(
        loan=loan, amount=D("11700.00"), business_date=date(2026, 1, 19), idempotency_key="cool"
    )
    assert all(amount == 0 for amount in loan_balances(loan_id=loan.pk).values())
    assert account_balance(code="1002") == 0
    assert_books_consistent(loan)


def test_a_cancellation_out_of_time_or_for_the_wrong_amount_is_refused():
    loan = make_active_loan()
    with pytest.raises(LoanRuleError) as wrong:
        loan_cancel_cooling_off(
            loan=loan, amount=D("11000.00"), business_date=date(2026, 1, 16), idempotency_key="a"
        )
    assert wrong.value.context["returned_by_borrower"] == "12000.00"
    with pytest.raises(LoanRuleError):
        loan_cancel_cooling_off(
            loan=loan, amount=D("12000.00"), business_date=date(2026, 1, 23), idempotency_key="b"
        )
    assert reload(loan).status == "active"
    paid_off = make_active_loan()
    loan_repay(
        loan=paid_off,
        amount=D("12000.00"),
        value_date=START,
        business_date=START,
        idempotency_key="all",
    )
    with pytest.raises(LoanStateError):
        loan_cancel_cooling_off(
            loan=paid_off, amount=D("0.00"), business_date=START, idempotency_key="c"
        )
    assert_books_consistent(loan, paid_off)


def test_a_cancellation_after_the_close_accrued_interest_takes_back_only_the_principal():
    # given 12,000 disbursed on the business date and three closes of interest accrued: the
    # close's income lines carry the loan, so the cancellation takes that income back too
    loan = make_active_loan(start=business_date_current())
    for _ in range(3):
        close_day_run()
    assert loan_balances(loan_id=loan.pk)[chart.INTEREST_INCOME] > 0
    # when the borrower returns what they received
    quote = loan_cooling_off_quote(loan=reload(loan))
    assert quote.returned_by_borrower == D("12000.00")
    loan_cancel_cooling_off(
        loan=reload(loan),
        amount=D("12000.00"),
        business_date=business_date_current(),
        idempotency_key="cool-after-close",
    )
    # then no interest is left on the loan, nor in the books; the next close releases the
    # allowance its provisioning booked, and the loan holds nothing at all
    assert account_balance(code=chart.INTEREST_INCOME) == 0
    close_day_run()
    assert all(amount == 0 for amount in loan_balances(loan_id=loan.pk).values())
    assert_books_consistent(loan)
