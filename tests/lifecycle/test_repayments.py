"""Repayments: on time, under, exact and over; overdue installments oldest first in the
product's order; idempotency; refusals."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.models import JournalEntry
from ledger.selectors import loan_balances
from loans.errors import IdempotencyKeyReused, LoanRuleError, LoanStateError
from loans.models import Allocation, Repayment
from loans.services.repayments import loan_repay

from .factories import (
    assert_books_consistent,
    close_steps,
    make_active_loan,
    make_loan,
    reload,
    schedule,
)

pytestmark = pytest.mark.django_db
START = date(2026, 1, 15)
FIRST_DUE = date(2026, 2, 15)
INSTALLMENT = Decimal("1066.19")  # 12,000 over 12 months at 12%: 946.19 principal + 120.00


def repay(loan, amount, on, key, *, business_date=None):
    return loan_repay(
        loan=loan,
        amount=Decimal(amount),
        value_date=on,
        business_date=business_date or on,
        idempotency_key=key,
        channel="bank_transfer",
        external_reference=f"ref-{key}",
    )


def allocated(repayment) -> list[tuple[int, str, Decimal]]:
    return [
        (a.installment.number, a.component, a.amount)
        for a in Allocation.objects.filter(repayment=repayment, active=True).select_related(
            "installment"
        )
    ]


def test_an_on_time_repayment_pays_the_installment_due():
    # given an active loan whose first installment falls due on Feb 15
    loan = make_active_loan()
    # when the borrower pays it on the day
    repayment = repay(loan, INSTALLMENT, FIRST_DUE, "on-time")
    # then interest is paid first (recognized first: the close has not run), then principal
    assert allocated(repayment) == [
        (1, "interest", Decimal("120.00")),
        (1, "principal", Decimal("946.19")),
    ]
    first = schedule(loan)[0]
    assert first.status == "paid" and first.paid_on == FIRST_DUE
    assert first.interest_accrued == Decimal("120.00")
    assert loan_balances(loan_id=loan.pk) == {
        "1303": Decimal("11053.81"),
        "1132": Decimal("0.00"),
        "6011": Decimal("120.00"),
    }
    entry = JournalEntry.objects.get(pk=repayment.entry_id)
    assert entry.kind == "repayment" and entry.value_date == FIRST_DUE
    assert reload(loan).status == "active"
    assert_books_consistent(loan)


def test_an_under_payment_leaves_the_installment_partly_paid():
    loan = make_active_loan()
    repayment = repay(loan, "500.00", FIRST_DUE, "under")
    assert allocated(repayment) == [
        (1, "interest", Decimal("120.00")),
        (1, "principal", Decimal("380.00")),
    ]
    first = schedule(loan)[0]
    assert first.status == "partially_paid" and first.outstanding == Decimal("566.19")
    assert_books_consistent(loan)


def test_an_early_payment_of_the_current_installment_pays_its_whole_period():
    # given the close has recognized nothing yet, the borrower pays the bill 5 days early
    loan = make_active_loan()
    repay(loan, INSTALLMENT, date(2026, 2, 10), "early", business_date=date(2026, 2, 10))
    first = schedule(loan)[0]
    assert first.status == "paid" and first.interest_accrued == first.interest_due
    assert_books_consistent(loan)


@pytest.mark.parametrize("mode, rows_left", [("shorten_term", 11), ("lower_installment", 11)])
def test_an_over_payment_prepays_later_principal_in_the_products_mode(mode, rows_left):
    # given a product whose prepayment mode is `mode`
    loan = make_active_loan(prepayment_mode=mode)
    # when the borrower pays 3,066.19 on the first due date
    repayment = repay(loan, INSTALLMENT + Decimal("2000.00"), FIRST_DUE, "over")
    # then installment 1 is paid and 2,000 prepays the later principal, from Feb 15 on
    rows = schedule(loan)
    prepaid = [row for row in rows if row.days_in_period == 0]
    assert len(prepaid) == 1 and prepaid[0].principal_paid == Decimal("2000.00")
    later = [row for row in rows if row.due_date > FIRST_DUE]
    assert sum(row.principal_due for row in later) == Decimal("9053.81")
    assert sum(row.principal_due for row in rows) == Decimal("12000.00")
    if mode == "shorten_term":
        assert len(later) < rows_left
        assert later[0].principal_due + later[0].interest_due == INSTALLMENT
    else:
        assert len(later) == rows_left
        assert later[0].principal_due + later[0].interest_due < INSTALLMENT
    assert later[0].period_start == FIRST_DUE and later[0].interest_due == Decimal("90.54")
    assert repayment.overpayment == 0
    assert_books_consistent(loan)


def test_overdue_installments_are_paid_oldest_first_in_the_products_order():
    # given a loan with a per-period fee, two installments overdue, and the close of Mar 20's
    # penalty on each (a day of 18% a year on 1,066.19)
    loan = make_active_loan(fee_rate=Decimal("0.001"))
    close_steps(date(2026, 3, 20), "due", "delinquency", "penalties", loan=loan)
    first, second = schedule(loan)[:2]
    assert (first.penalty_due, second.penalty_due) == (Decimal("0.53"), Decimal("0.53"))
    # when 1,200 arrives on Apr 1
    repayment = repay(loan, "1200.00", date(2026, 4, 1), "arrears")
    # then the first installment is cured component by component (penalty, fee, interest,
    # principal), and the rest goes to the second one in the same order
    assert allocated(repayment) == [
        (1, "penalty", Decimal("0.53")),
        (1, "fee", Decimal("12.00")),
        (1, "interest", Decimal("120.00")),
        (1, "principal", Decimal("946.19")),
        (2, "penalty", Decimal("0.53")),
        (2, "fee", Decimal("12.00")),
        (2, "interest", Decimal("108.75")),
    ]
    assert_books_consistent(loan)


def test_a_principal_first_order_is_honoured():
    loan = make_active_loan(allocation_order=["principal", "interest", "fee", "penalty"])
    repayment = repay(loan, "1000.00", date(2026, 4, 1), "principal-first")
    assert allocated(repayment) == [
        (1, "principal", Decimal("946.19")),
        (1, "interest", Decimal("53.81")),
    ]
    assert_books_consistent(loan)


def test_the_same_idempotency_key_posts_once_and_a_reused_key_is_refused():
    loan = make_active_loan()
    first = repay(loan, "500.00", FIRST_DUE, "same-key")
    again = repay(loan, "500.00", FIRST_DUE, "same-key")
    assert again.pk == first.pk
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert JournalEntry.objects.filter(kind="repayment").count() == 1
    with pytest.raises(IdempotencyKeyReused):
        repay(loan, "600.00", FIRST_DUE, "same-key")
    with pytest.raises(IdempotencyKeyReused):
        repay(make_active_loan(), "500.00", FIRST_DUE, "same-key")
    assert_books_consistent(loan)


def test_payments_a_loan_cannot_take_are_refused():
    loan = make_active_loan()
    with pytest.raises(LoanStateError):
        repay(make_loan(), "100.00", FIRST_DUE, "not-disbursed")
    with pytest.raises(LoanRuleError):
        repay(loan, "100.00", FIRST_DUE, "future", business_date=date(2026, 2, 1))
    with pytest.raises(LoanRuleError):
        repay(loan, "100.00", date(2026, 1, 1), "before-disbursement")
    with pytest.raises(LoanRuleError):
        repay(loan, "0.00", FIRST_DUE, "nothing")
    with pytest.raises(LoanRuleError):
        repay(loan, "10.001", FIRST_DUE, "sub-cent")
    assert not Repayment.objects.exists()
