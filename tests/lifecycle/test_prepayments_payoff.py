"""Partial prepayments in both modes, payoff quotes for several dates and their settlement,
overpayments and their refund."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.selectors import account_balance, loan_balances
from loans.errors import LoanRuleError
from loans.models import Installment
from loans.services.overpayments import overpayment_refund
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from loans.services.prepayments import loan_prepay
from loans.services.repayments import loan_repay

from .factories import assert_books_consistent, close_steps, make_active_loan, reload, schedule

pytestmark = pytest.mark.django_db
START = date(2026, 1, 15)
FIRST_DUE = date(2026, 2, 15)
INSTALLMENT = Decimal("1066.19")
D = Decimal


def pay_first_installment(loan):
    return loan_repay(
        loan=loan,
        amount=INSTALLMENT,
        value_date=FIRST_DUE,
        business_date=FIRST_DUE,
        idempotency_key=f"first-{loan.pk}",
    )


@pytest.mark.parametrize("mode", ["lower_installment", "shorten_term"])
def test_a_mid_period_prepayment_cuts_the_period_and_rebuilds_from_the_value_date(mode):
    # given a loan whose first installment is paid
    loan = make_active_loan()
    pay_first_installment(loan)
    # when the borrower prepays 3,000 on Mar 1, halfway through the second period
    on = date(2026, 3, 1)
    loan_prepay(
        loan=loan,
        amount=D("3000.00"),
        value_date=on,
        business_date=on,
        idempotency_key="prepay",
        mode=mode,
    )
    rows = schedule(loan)
    stub = next(row for row in rows if row.number == 2)
    # then the second period is cut at Mar 1 with the interest accrued to it (110.54 × 14/28)
    assert (stub.due_date, stub.interest_due, stub.principal_due) == (on, D("55.27"), D("0.00"))
    assert stub.status == "paid" and stub.days_in_period == 14
    prepaid = next(row for row in rows if row.days_in_period == 0)
    assert prepaid.principal_paid == D("2944.73")
    later = [row for row in rows if row.due_date > on]
    # and the rest (8,109.08) is rescheduled from Mar 1, its first period of 14 days to Mar 15
    assert sum(row.principal_due for row in later) == D("8109.08")
    assert (later[0].period_start, later[0].due_date) == (on, date(2026, 3, 15))
    assert later[0].interest_due == D("37.84")  # 8,109.08 × 12% × 14 / 360
    if mode == "lower_installment":
        assert len(later) == 11
        assert later[1].principal_due + later[1].interest_due < INSTALLMENT
    else:
        assert len(later) < 11
        assert later[1].principal_due + later[1].interest_due == INSTALLMENT
    assert sum(row.principal_due for row in rows) == D("12000.00")
    assert loan_balances(loan_id=loan.pk)["1303"] == D("8109.08")
    assert_books_consistent(loan)


def test_a_prepayment_first_pays_what_is_due():
    loan = make_active_loan()
    on = date(2026, 3, 20)  # two installments overdue
    repayment = loan_prepay(
        loan=loan, amount=D("1500.00"), value_date=on, business_date=on, idempotency_key="p"
    )
    first, second = schedule(loan)[:2]
    assert first.status == "paid" and second.status == "partially_paid"
    assert repayment.overpayment == 0
    assert_books_consistent(loan)


@pytest.mark.parametrize(
    "on, interest",
    [
        (date(2026, 1, 15), D("0.00")),  # the disbursement day
        (date(2026, 1, 29), D("54.19")),  # 14 of 31 days: 120 × 14 / 31
        (date(2026, 2, 15), D("120.00")),  # the first due date
        (date(2026, 3, 20), D("246.83")),  # two periods overdue, 5 of 31 days of the third
    ],
)
def test_a_payoff_quote_is_settled_exactly_by_a_payment_of_that_amount(on, interest):
    # given an active loan and its payoff quote for `on`
    loan = make_active_loan()
    quote = loan_payoff_quote(loan=loan, on=on)
    assert (quote.principal, quote.interest, quote.fees) == (D("12000.00"), interest, D("0.00"))
    # when exactly that is paid on `on`
    repayment = loan_pay_off(
        loan=loan, amount=quote.total, value_date=on, business_date=on, idempotency_key="off"
    )
    # then the loan is paid off with nothing left on either side
    assert reload(loan).status == "paid_off"
    assert repayment.overpayment == 0
    assert not [row for row in schedule(loan) if row.status != Installment.Status.PAID]
    balances = loan_balances(loan_id=loan.pk)
    assert all(balances.get(code, 0) == 0 for code in ("1303", "1132", "1133", "1134", "2241"))
    assert balances.get("6011", 0) == interest
    assert_books_consistent(loan)


def test_a_payoff_quote_includes_fees_charged_and_penalties():
    loan = make_active_loan(
        fee_rate=D("0.001"), upfront_fee_amount=D("100.00"), upfront_fee_withheld=False
    )
    on = date(2026, 2, 20)
    # the close of Feb 20 books a day's penalty on the first installment, overdue since Feb 15
    close_steps(on, "due", "delinquency", "penalties", loan=loan)
    assert schedule(loan)[0].penalty_due == D("0.53")  # 1,066.19 × 18% / 360, one day
    quote = loan_payoff_quote(loan=loan, on=on)
    # first installment overdue in full (fee 12 + upfront 100), second period 5 of 28 days
    assert (quote.fees, quote.penalties) == (D("112.00"), D("0.53"))
    assert quote.interest == D("120.00") + D("19.74")
    with pytest.raises(LoanRuleError) as short:
        loan_pay_off(
            loan=loan,
            amount=quote.total - D("0.01"),
            value_date=on,
            business_date=on,
            idempotency_key="short",
        )
    assert short.value.context["payoff"] == str(quote.total)
    loan_repay(loan=loan, amount=quote.total, value_date=on, business_date=on, idempotency_key="r")
    assert reload(loan).status == "paid_off"
    assert_books_consistent(loan)


def test_a_back_dated_payoff_gives_back_interest_the_close_accrued_after_its_value_date():
    # given a paid first installment and the close's accruals on the second through Mar 10
    loan = make_active_loan()
    pay_first_installment(loan)
    close_steps(date(2026, 3, 10), "accrual", loan=loan)
    assert schedule(loan)[1].interest_accrued == D("90.80")
    # when a payoff dated Mar 1 arrives on Mar 11
    quote = loan_payoff_quote(loan=loan, on=date(2026, 3, 1))
    assert quote.interest == D("55.27")
    loan_pay_off(
        loan=loan,
        amount=quote.total,
        value_date=date(2026, 3, 1),
        business_date=date(2026, 3, 11),
        idempotency_key="late-payoff",
    )
    # then interest income is that of the loan's life to Mar 1 only
    balances = loan_balances(loan_id=loan.pk)
    assert balances["6011"] == D("120.00") + D("55.27")
    assert balances["1132"] == 0
    assert reload(loan).status == "paid_off"
    assert_books_consistent(loan)


def test_an_overpayment_is_held_for_the_customer_and_refunded():
    # given a payoff of 12,120 paid with 12,200 on the first due date
    loan = make_active_loan()
    repayment = loan_repay(
        loan=loan,
        amount=D("12200.00"),
        value_date=FIRST_DUE,
        business_date=FIRST_DUE,
        idempotency_key="big",
    )
    # then 80 is held on 2241 for the customer
    assert repayment.overpayment == D("80.00")
    assert loan_balances(loan_id=loan.pk)["2241"] == D("80.00")
    # a later payment on the paid-off loan is held too
    loan_repay(
        loan=loan,
        amount=D("20.00"),
        value_date=FIRST_DUE,
        business_date=FIRST_DUE,
        idempotency_key="late",
    )
    assert_books_consistent(loan)
    # when more than that is refunded, it is refused; the 100 held is refunded
    with pytest.raises(LoanRuleError):
        overpayment_refund(
            loan=loan, amount=D("100.01"), business_date=FIRST_DUE, idempotency_key="too-much"
        )
    cash_before = account_balance(code="1002")
    refund = overpayment_refund(
        loan=loan, amount=D("100.00"), business_date=FIRST_DUE, idempotency_key="refund"
    )
    assert refund.overpayment == D("-100.00")
    assert account_balance(code="1002") == cash_before - D("100.00")
    assert loan_balances(loan_id=loan.pk)["2241"] == 0
    assert_books_consistent(loan)


def test_after_paying_the_current_installment_early_a_payoff_owes_no_more_interest():
    # given the first installment paid in full five days after disbursement (a bug found by
    # the state machine: the next row, whose period had not begun, was cut before its start)
    loan = make_active_loan()
    loan_repay(
        loan=loan,
        amount=INSTALLMENT,
        value_date=date(2026, 1, 20),
        business_date=date(2026, 1, 20),
        idempotency_key="early",
    )
    on = date(2026, 1, 25)
    # when the borrower asks for the payoff on Jan 25 and prepays part of it first
    quote = loan_payoff_quote(loan=loan, on=on)
    assert (quote.principal, quote.interest) == (D("11053.81"), D("0.00"))
    loan_prepay(
        loan=loan, amount=D("1000.00"), value_date=on, business_date=on, idempotency_key="part"
    )
    later = [row for row in schedule(loan) if row.status != "paid"]
    assert later[0].period_start == FIRST_DUE and later[0].days_in_period == 28
    assert_books_consistent(loan)
    # then the rest pays it off with no interest beyond the first period's
    quote = loan_payoff_quote(loan=loan, on=on)
    assert (quote.principal, quote.interest) == (D("10053.81"), D("0.00"))
    loan_pay_off(
        loan=loan, amount=quote.total, value_date=on, business_date=on, idempotency_key="o"
    )
    assert reload(loan).status == "paid_off"
    assert loan_balances(loan_id=loan.pk)["6011"] == D("120.00")
    assert_books_consistent(loan)
