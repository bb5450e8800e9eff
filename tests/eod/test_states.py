"""Step 5: non-accrual at 90 days past due (suspense) and charge-off at the threshold."""

from decimal import Decimal

import pytest

from ledger import chart
from ledger.models import JournalEntry
from ledger.selectors import account_balance, trial_balance
from loans.models import Installment, LoanTransition
from loans.posting_rules import write_off_lines
from tests.eod.helpers import balances, close, d, fresh, make_loan, pay

ZERO = Decimal("0")


def unpaid(loan, recognized: str, paid: str) -> Decimal:
    return sum(
        (getattr(row, recognized) - getattr(row, paid) for row in loan.installments.all()), ZERO
    )


@pytest.mark.django_db
def test_at_90_days_past_due_income_is_reversed_into_suspense():
    # Given a loan whose oldest installment (4 October 2025) is 89 days past due on 1 January
    loan = make_loan(start=d("2025-09-04"))
    close()
    assert (fresh(loan).days_past_due, fresh(loan).non_accrual) == (89, False)
    income_before = account_balance(code=chart.INTEREST_INCOME)
    penalty_before = account_balance(code=chart.PENALTY_INCOME)
    assert income_before > 0 and penalty_before > 0
    # When the close of 2 January makes it 90 days past due
    close()
    loan = fresh(loan)
    # Then the loan is on non-accrual and every unpaid interest and penalty recognized so far
    # left income for suspense (Dr 6011 / Cr 2261, Dr 6031 / Cr 2261)
    assert (loan.days_past_due, loan.non_accrual) == (90, True)
    books = balances(loan)
    interest_owed = unpaid(loan, "interest_accrued", "interest_paid")
    penalty_owed = unpaid(loan, "penalty_due", "penalty_paid")
    assert books[chart.INTEREST_RECEIVABLE] == interest_owed
    assert books[chart.PENALTY_RECEIVABLE] == penalty_owed
    assert books[chart.INTEREST_SUSPENSE] == interest_owed + penalty_owed
    assert account_balance(code=chart.INTEREST_INCOME) == ZERO
    assert account_balance(code=chart.PENALTY_INCOME) == ZERO
    reversal = JournalEntry.objects.get(kind="interest_suspense")
    assert sorted(reversal.lines.values_list("account__code", "debit", "credit")) == [
        (chart.INTEREST_SUSPENSE, ZERO, interest_owed),
        (chart.INTEREST_INCOME, interest_owed, ZERO),
    ]
    # And later interest and penalties accrue into suspense, not income
    close()
    assert account_balance(code=chart.INTEREST_INCOME) == ZERO
    assert account_balance(code=chart.PENALTY_INCOME) == ZERO
    loan = fresh(loan)
    assert balances(loan)[chart.INTEREST_SUSPENSE] == unpaid(
        loan, "interest_accrued", "interest_paid"
    ) + unpaid(loan, "penalty_due", "penalty_paid")


@pytest.mark.django_db
def test_what_a_non_accrual_borrower_pays_is_released_to_income():
    loan = make_loan(start=d("2025-09-04"))
    close(2)
    assert fresh(loan).non_accrual
    oldest = loan.installments.get(number=1)
    # When the borrower pays the oldest installment (its penalty, then interest, then principal)
    pay(loan, through=oldest.due_date)
    oldest.refresh_from_db()
    close()
    # Then the suspense on what was paid is income again (cash basis), the rest stays suspended
    assert account_balance(code=chart.INTEREST_INCOME) == oldest.interest_paid
    assert account_balance(code=chart.PENALTY_INCOME) == oldest.penalty_paid
    loan = fresh(loan)
    assert balances(loan)[chart.INTEREST_SUSPENSE] == unpaid(
        loan, "interest_accrued", "interest_paid"
    ) + unpaid(loan, "penalty_due", "penalty_paid")
    assert fresh(loan).non_accrual  # no return to accrual while it stays past due


@pytest.mark.django_db
def test_at_180_days_past_due_the_loan_is_charged_off_and_written_off():
    # Given a loan 179 days past due on 1 January (oldest installment due 6 July 2025)
    loan = make_loan(start=d("2025-06-06"))
    close()
    loan = fresh(loan)
    assert (loan.days_past_due, loan.status, loan.risk_category) == (
        179,
        "delinquent",
        "substandard",
    )
    before = balances(loan)
    allowance = before[chart.ALLOWANCE]
    assert allowance == (before[chart.LOANS_PRINCIPAL] * Decimal("0.25")).quantize(Decimal("0.01"))
    # When the close of 2 January makes it 180 days past due
    close()
    # Then one write-off entry clears every receivable: the suspense offsets the interest and
    # penalties, the allowance absorbs its part of the principal, write-off expense the rest
    loan = fresh(loan)
    assert (loan.status, loan.risk_category) == ("charged_off", "loss")
    after = balances(loan)
    assert after == {}
    entry = JournalEntry.objects.get(kind="write_off", idempotency_key=f"write-off:{loan.id}")
    interest = before[chart.INTEREST_RECEIVABLE] + after.get(chart.INTEREST_RECEIVABLE, ZERO)
    lines = {
        code: (debit, credit)
        for code, debit, credit in entry.lines.values_list("account__code", "debit", "credit")
    }
    principal = before[chart.LOANS_PRINCIPAL]
    receivable_interest = lines[chart.INTEREST_RECEIVABLE][1]
    receivable_penalty = lines[chart.PENALTY_RECEIVABLE][1]
    assert receivable_interest >= interest
    assert lines[chart.LOANS_PRINCIPAL] == (ZERO, principal)
    assert lines[chart.INTEREST_SUSPENSE] == (receivable_interest + receivable_penalty, ZERO)
    assert lines[chart.ALLOWANCE] == (allowance, ZERO)
    assert lines[chart.WRITE_OFF_EXPENSE] == (principal - allowance, ZERO)
    assert account_balance(code=chart.WRITE_OFF_EXPENSE) == principal - allowance
    transition = LoanTransition.objects.get(loan=loan, to_status="charged_off")
    assert transition.reason == "180 days past due (charge-off at 180)"
    # And it is done once: later closes leave the loan alone
    close(3)
    assert JournalEntry.objects.filter(kind="write_off").count() == 1
    assert balances(loan) == {}
    assert trial_balance().balanced


@pytest.mark.django_db
def test_the_charge_off_threshold_is_the_loans():
    loan = make_loan(start=d("2025-06-06"), charge_off_days=200)
    close(2)
    assert fresh(loan).status == "delinquent"
    assert Installment.objects.filter(loan=loan).exists()


def test_a_write_off_releases_allowance_beyond_the_loss():
    lines = write_off_lines(
        7,
        {
            chart.LOANS_PRINCIPAL: Decimal("100"),
            chart.INTEREST_RECEIVABLE: Decimal("10"),
            chart.INTEREST_SUSPENSE: Decimal("10"),
            chart.ALLOWANCE: Decimal("130"),
        },
    )
    assert {(line.account, line.debit, line.credit) for line in lines} == {
        (chart.LOANS_PRINCIPAL, ZERO, Decimal("100")),
        (chart.INTEREST_RECEIVABLE, ZERO, Decimal("10")),
        (chart.INTEREST_SUSPENSE, Decimal("10"), ZERO),
        (chart.ALLOWANCE, Decimal("130"), ZERO),
        (chart.CREDIT_IMPAIRMENT, ZERO, Decimal("30")),
    }


def test_suspense_beyond_what_is_owed_is_income():
    lines = write_off_lines(
        7, {chart.INTEREST_RECEIVABLE: Decimal("4"), chart.INTEREST_SUSPENSE: Decimal("6")}
    )
    assert {(line.account, line.debit, line.credit) for line in lines} == {
        (chart.INTEREST_RECEIVABLE, ZERO, Decimal("4")),
        (chart.INTEREST_SUSPENSE, Decimal("6"), ZERO),
        (chart.INTEREST_INCOME, ZERO, Decimal("2")),
    }
