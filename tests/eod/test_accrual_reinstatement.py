"""A non-accrual loan that performs again returns to accrual: after 90 days with nothing past
due since its last cure, its suspense is income again and interest accrues to income."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ledger import chart
from ledger.models import JournalEntry
from ledger.selectors import account_balance, trial_balance
from ledger.services import business_date_current
from loans.eod.states import ACCRUAL_REINSTATEMENT_DAYS
from loans.models import Loan, LoanTransition
from tests.eod.helpers import balances, close, d, fresh, make_loan, pay

ZERO = Decimal("0")
pytestmark = pytest.mark.django_db


def last_cure(loan: Loan) -> date:
    return (
        LoanTransition.objects.filter(loan=loan, to_status="active", from_status="delinquent")
        .latest("id")
        .business_date
    )


def keep_current_until(loan: Loan, day: date, *, skip_due: date | None = None) -> None:
    """Close day by day until `day`, paying each morning what fell due before it (except the
    installment due on `skip_due`, paid five days late)."""
    while business_date_current() < day:
        today = business_date_current()
        through = today - timedelta(days=1)
        if skip_due is not None and skip_due <= through < skip_due + timedelta(days=5):
            through = skip_due - timedelta(days=1)
        pay(loan, through=through, key=f"on-time:{loan.pk}:{today}")
        close()


def non_accrual_then_cured() -> Loan:
    """A loan 90 days past due (on non-accrual), then brought current and cured."""
    loan = make_loan(start=d("2025-09-04"))
    close(2)
    assert fresh(loan).non_accrual
    pay(loan, key=f"catch-up:{loan.pk}")
    close()
    loan = fresh(loan)
    assert (loan.status, loan.days_past_due, loan.non_accrual) == ("active", 0, True)
    return loan


@pytest.mark.slow
def test_ninety_days_current_after_the_cure_returns_the_loan_to_accrual():
    loan = non_accrual_then_cured()
    cured_on = last_cure(loan)
    # Given 89 days of on-time payments since the cure, the loan is still on non-accrual
    keep_current_until(loan, cured_on + timedelta(days=ACCRUAL_REINSTATEMENT_DAYS))
    loan = fresh(loan)
    assert loan.non_accrual and loan.days_past_due == 0
    suspense = balances(loan)[chart.INTEREST_SUSPENSE]
    assert suspense > 0  # the current period's interest accrued into suspense
    income = account_balance(code=chart.INTEREST_INCOME)
    # When the close of the 90th day runs (its morning's installment paid on time)
    pay(loan, through=business_date_current() - timedelta(days=1), key=f"day-90:{loan.pk}")
    close()
    loan = fresh(loan)
    # Then the loan accrues again and its suspense (the day's accrual included) is income
    assert not loan.non_accrual
    assert balances(loan).get(chart.INTEREST_SUSPENSE, ZERO) == ZERO
    released = JournalEntry.objects.filter(
        kind="interest_suspense", memo__startswith="Returned to accrual"
    ).get()
    assert str(cured_on) in released.memo
    (release,) = released.lines.filter(account__code=chart.INTEREST_INCOME)
    assert release.credit > suspense - Decimal("10")  # suspense and that day's accrual
    assert account_balance(code=chart.INTEREST_INCOME) == income + release.credit
    # And the next day's interest accrues to income, not suspense
    income = account_balance(code=chart.INTEREST_INCOME)
    pay(loan, through=business_date_current() - timedelta(days=1), key=f"day-91:{loan.pk}")
    close()
    assert account_balance(code=chart.INTEREST_INCOME) > income
    assert balances(fresh(loan)).get(chart.INTEREST_SUSPENSE, ZERO) == ZERO
    assert trial_balance().balanced


@pytest.mark.slow
def test_a_re_default_restarts_the_count_from_the_new_cure():
    loan = non_accrual_then_cured()
    first_cure = last_cure(loan)
    # Given an installment paid five days late within the 90 days: delinquent, cured again
    missed = loan.installments.filter(due_date__gt=first_cure + timedelta(days=20)).earliest(
        "due_date"
    )
    keep_current_until(
        loan, first_cure + timedelta(days=ACCRUAL_REINSTATEMENT_DAYS + 1), skip_due=missed.due_date
    )
    second_cure = last_cure(loan)
    assert second_cure > first_cure
    # Then 90 days after the first cure the loan is still on non-accrual
    assert fresh(loan).non_accrual
    # And 90 days after the second it accrues again
    keep_current_until(loan, second_cure + timedelta(days=ACCRUAL_REINSTATEMENT_DAYS + 1))
    assert not fresh(loan).non_accrual
    assert balances(fresh(loan)).get(chart.INTEREST_SUSPENSE, ZERO) == ZERO
    assert trial_balance().balanced
