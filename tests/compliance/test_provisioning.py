"""The close's provisioning step: classification and the allowance change it requires."""

from decimal import Decimal

import pytest

from compliance.models import ClassificationRule
from ledger import chart
from ledger.models import JournalEntry
from ledger.selectors import account_balance
from loans.transitions import loan_transition
from tests.eod.helpers import balances, close, close_until, d, fresh, make_loan, pay


def provisions(loan):
    return [
        (entry.business_date, sorted(entry.lines.values_list("account__code", "debit", "credit")))
        for entry in JournalEntry.objects.filter(kind="provision").order_by("business_date")
    ]


@pytest.mark.django_db
def test_the_allowance_follows_the_category_and_the_principal():
    loan = make_loan()
    # A new loan: normal, 1% of 12,000
    close()
    assert balances(loan)[chart.ALLOWANCE] == Decimal("120.00")
    assert account_balance(code=chart.CREDIT_IMPAIRMENT) == Decimal("120.00")
    # Past due: special mention, 2%; only the change is booked (Dr 6701 / Cr 1304 120.00)
    close_until(d("2026-02-03"))
    assert fresh(loan).risk_category == "special_mention"
    assert balances(loan)[chart.ALLOWANCE] == Decimal("240.00")
    assert provisions(loan)[-1] == (
        d("2026-02-02"),
        [
            (chart.ALLOWANCE, Decimal("0"), Decimal("120.00")),
            (chart.CREDIT_IMPAIRMENT, Decimal("120.00"), Decimal("0")),
        ],
    )
    # Paid: normal again on the lower principal (1% of 11,079.84), the excess released
    pay(loan)
    close()
    assert fresh(loan).risk_category == "normal"
    assert balances(loan)[chart.ALLOWANCE] == Decimal("110.80")
    assert provisions(loan)[-1] == (
        d("2026-02-03"),
        [
            (chart.ALLOWANCE, Decimal("129.20"), Decimal("0")),
            (chart.CREDIT_IMPAIRMENT, Decimal("0"), Decimal("129.20")),
        ],
    )
    # And a quiet day books nothing
    count = JournalEntry.objects.filter(kind="provision").count()
    close()
    assert JournalEntry.objects.filter(kind="provision").count() == count


@pytest.mark.django_db
def test_a_product_types_rule_sets_its_ratios():
    ClassificationRule.objects.create(product_type="cash_loan", normal_ratio=Decimal("0.015"))
    loan = make_loan()
    close()
    assert balances(loan)[chart.ALLOWANCE] == Decimal("180.00")


@pytest.mark.django_db
def test_a_paid_off_loan_releases_its_allowance():
    loan = make_loan()
    close(2)
    pay(loan, through=d("2027-12-31"))
    assert chart.LOANS_PRINCIPAL not in balances(loan)
    loan_transition(loan=fresh(loan), action="pay_off", actor="test", business_date=d("2026-01-03"))
    close()
    assert chart.ALLOWANCE not in balances(loan)
    assert account_balance(code=chart.CREDIT_IMPAIRMENT) == Decimal("0")
