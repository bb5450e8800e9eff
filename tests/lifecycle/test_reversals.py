"""Reversals of repayments and back-dated repayments: reversal entries, allocations undone and
later repayments replayed in value-date order; schedules restored exactly."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.models import JournalEntry
from ledger.selectors import loan_balances
from loans.errors import LoanRuleError
from loans.models import Allocation, Installment, Repayment
from loans.services.overpayments import overpayment_refund
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from loans.services.prepayments import loan_prepay
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse

from .factories import assert_books_consistent, make_active_loan, reload, schedule

pytestmark = pytest.mark.django_db
D = Decimal
FIRST_DUE = date(2026, 2, 15)
SECOND_DUE = date(2026, 3, 15)
INSTALLMENT = D("1066.19")


def repay(loan, amount, on, key, business_date=None):
    return loan_repay(
        loan=loan,
        amount=D(amount),
        value_date=on,
        business_date=business_date or on,
        idempotency_key=key,
    )


def shape(loan):
    return [
        (
            row.number,
            row.due_date,
            row.days_in_period,
            row.principal_due,
            row.interest_due,
            row.fee_due,
            row.principal_paid,
            row.interest_paid,
        )
        for row in schedule(loan)
    ]


def targets(repayment):
    return [
        (a.installment.number, a.component, a.amount)
        for a in Allocation.objects.filter(repayment=repayment, active=True).select_related(
            "installment"
        )
    ]


def test_a_bounced_repayment_is_reversed_and_its_installment_reopened():
    # given an on-time repayment of the first installment
    loan = make_active_loan()
    repayment = repay(loan, INSTALLMENT, FIRST_DUE, "bounces")
    # when it bounces three days later
    reversed_ = repayment_reverse(
        repayment=repayment, business_date=date(2026, 2, 18), actor="ops", reason="returned"
    )
    # then its entry is reversed, never edited, and the installment is due again
    assert reversed_.status == "reversed" and reversed_.reversed_on == date(2026, 2, 18)
    original = JournalEntry.objects.get(pk=repayment.entry_id)
    assert JournalEntry.objects.get(reverses=original).business_date == date(2026, 2, 18)
    first = schedule(loan)[0]
    assert (first.status, first.principal_paid, first.interest_paid) == ("due", 0, 0)
    assert first.interest_accrued == 0  # the catch-up recognition went with it
    assert loan_balances(loan_id=loan.pk)["1303"] == D("12000.00")
    assert not Allocation.objects.filter(repayment=repayment, active=True).exists()
    # reversing again changes nothing
    again = repayment_reverse(repayment=repayment, business_date=date(2026, 2, 19), actor="ops")
    assert again.entry_ids == reversed_.entry_ids
    assert_books_consistent(loan)


def test_reversing_the_payoff_reopens_the_loan_and_restores_its_schedule():
    loan = make_active_loan()
    repay(loan, INSTALLMENT, FIRST_DUE, "first")
    before = shape(loan)
    on = date(2026, 3, 1)
    quote = loan_payoff_quote(loan=loan, on=on)
    payoff = loan_pay_off(
        loan=loan, amount=quote.total, value_date=on, business_date=on, idempotency_key="off"
    )
    assert reload(loan).status == "paid_off"
    repayment_reverse(repayment=payoff, business_date=date(2026, 3, 2), actor="ops")
    assert reload(loan).status == "active"
    assert shape(loan) == before
    assert loan_balances(loan_id=loan.pk)["1303"] == D("11053.81")
    assert_books_consistent(loan)


def test_reversing_a_prepayment_restores_the_schedule_it_rebuilt():
    loan = make_active_loan()
    repay(loan, INSTALLMENT, FIRST_DUE, "first")
    before = shape(loan)
    on = date(2026, 3, 1)
    prepayment = loan_prepay(
        loan=loan,
        amount=D("3000.00"),
        value_date=on,
        business_date=on,
        idempotency_key="prepay",
        mode="lower_installment",
    )
    assert shape(loan) != before
    repayment_reverse(repayment=prepayment, business_date=on, actor="ops")
    assert shape(loan) == before
    assert not Installment.objects.filter(loan=loan, status="cancelled", principal_paid__gt=0)
    assert_books_consistent(loan)


def test_reversing_an_earlier_repayment_replays_the_later_ones():
    # given the first and second installments paid on their due dates
    loan = make_active_loan()
    first = repay(loan, INSTALLMENT, FIRST_DUE, "feb")
    second = repay(loan, INSTALLMENT, SECOND_DUE, "mar")
    assert targets(second)[0][0] == 2
    # when February's payment bounces on Mar 20
    repayment_reverse(repayment=first, business_date=date(2026, 3, 20), actor="ops")
    # then March's payment is applied again, now to the overdue first installment
    second = Repayment.objects.get(pk=second.pk)
    assert second.generation == 2 and second.status == "posted"
    assert {number for number, _, _ in targets(second)} == {1}
    assert len(second.entry_ids) == 3  # applied, unwound, applied again
    rows = schedule(loan)
    assert rows[0].status == "paid" and rows[1].status == "due"
    assert_books_consistent(loan)


def test_a_back_dated_repayment_is_applied_as_of_its_value_date():
    # given nothing paid in February and a payment on Mar 15 that went to the overdue first
    loan = make_active_loan()
    march = repay(loan, INSTALLMENT, SECOND_DUE, "mar")
    assert {number for number, _, _ in targets(march)} == {1}
    # when a payment dated Feb 15 is booked on Mar 16 (it was received then, booked late)
    february = repay(loan, INSTALLMENT, FIRST_DUE, "feb", business_date=date(2026, 3, 16))
    # then it pays the first installment, and March's payment moves to the second
    assert {number for number, _, _ in targets(february)} == {1}
    march = Repayment.objects.get(pk=march.pk)
    assert {number for number, _, _ in targets(march)} == {2} and march.generation == 2
    reversals = JournalEntry.objects.filter(kind="reversal")
    assert reversals.count() == 1 and reversals.get().business_date == date(2026, 3, 16)
    assert [row.status for row in schedule(loan)[:3]] == ["paid", "paid", "scheduled"]
    assert_books_consistent(loan)


def test_a_back_dated_payment_after_a_payoff_adds_to_the_overpayment():
    loan = make_active_loan()
    quote = loan_payoff_quote(loan=loan, on=SECOND_DUE)
    payoff = loan_pay_off(
        loan=loan,
        amount=quote.total,
        value_date=SECOND_DUE,
        business_date=SECOND_DUE,
        idempotency_key="off",
    )
    repay(loan, INSTALLMENT, FIRST_DUE, "feb", business_date=date(2026, 3, 16))
    payoff = Repayment.objects.get(pk=payoff.pk)
    assert payoff.overpayment > 0 and reload(loan).status == "paid_off"
    assert loan_balances(loan_id=loan.pk)["2241"] == payoff.overpayment
    assert_books_consistent(loan)


def test_a_reversal_that_would_take_back_a_refunded_overpayment_is_refused():
    loan = make_active_loan()
    overpaid = repay(loan, "12200.00", FIRST_DUE, "big")
    overpayment_refund(loan=loan, amount=D("80.00"), business_date=FIRST_DUE, idempotency_key="rf")
    with pytest.raises(LoanRuleError):
        repayment_reverse(repayment=overpaid, business_date=FIRST_DUE, actor="ops")
    assert Repayment.objects.get(pk=overpaid.pk).status == "posted"
    assert reload(loan).status == "paid_off"
    assert_books_consistent(loan)


def test_a_refund_that_bounces_back_restores_the_overpayment():
    loan = make_active_loan()
    repay(loan, "12200.00", FIRST_DUE, "big")
    refund = overpayment_refund(
        loan=loan, amount=D("80.00"), business_date=FIRST_DUE, idempotency_key="rf"
    )
    repayment_reverse(repayment=refund, business_date=FIRST_DUE, actor="ops")
    assert loan_balances(loan_id=loan.pk)["2241"] == D("80.00")
    assert_books_consistent(loan)
