"""Interest in suspense on a non-accrual loan, and the reconcile command."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ledger.selectors import loan_balances
from ledger.services import EntrySpec, LineSpec, entry_post
from loans.models import Loan
from loans.services.repayments import loan_repay

from .factories import assert_books_consistent, close_steps, make_active_loan

pytestmark = pytest.mark.django_db
D = Decimal


def test_interest_collected_on_a_non_accrual_loan_moves_from_suspense_to_income():
    # given a non-accrual loan whose interest the close accrued into suspense up to Feb 5
    loan = make_active_loan()
    Loan.objects.filter(pk=loan.pk).update(non_accrual=True)
    loan = Loan.objects.get(pk=loan.pk)
    close_steps(date(2026, 2, 5), "accrual", loan=loan)
    assert loan_balances(loan_id=loan.pk)["2261"] == D("81.29")  # 120.00 × 21 / 31 days
    # when the borrower pays the installment (120.00 interest: 38.71 recognized now)
    loan_repay(
        loan=loan,
        amount=D("1066.19"),
        value_date=date(2026, 2, 15),
        business_date=date(2026, 2, 15),
        idempotency_key="pay",
    )
    # then all 120.00 of interest collected is income, and nothing is left in suspense
    balances = loan_balances(loan_id=loan.pk)
    assert balances["2261"] == 0 and balances["6011"] == D("120.00") and balances["1132"] == 0
    assert_books_consistent(loan)


def test_reconcile_passes_on_consistent_books_and_fails_on_a_rogue_posting():
    loan = make_active_loan()
    other = make_active_loan()
    out = StringIO()
    call_command("reconcile", stdout=out)
    assert "Reconciled" in out.getvalue()
    # a posting that bypasses the services puts the ledger out of step with the contract
    entry_post(
        spec=EntrySpec(
            kind="manual",
            business_date=date(2026, 1, 16),
            idempotency_key="rogue",
            lines=(
                LineSpec(account="1303", debit=D("5.00"), loan_id=loan.pk),
                LineSpec(account="1002", credit=D("5.00")),
            ),
        )
    )
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile", stdout=out)
    assert f"loan {loan.pk} principal (1303): contract 12000.00 ledger 12005.00" in out.getvalue()
    call_command("reconcile", "--loan", str(other.pk), stdout=StringIO())
