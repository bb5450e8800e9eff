"""Disbursement: schedule from the disbursement date, the entry with or without a withheld fee."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.models import JournalEntry
from ledger.selectors import account_balance, loan_balances
from loans.services.disbursement import loan_disburse

from .factories import ACTOR, assert_books_consistent, make_loan, schedule

pytestmark = pytest.mark.django_db
START = date(2026, 1, 15)


def lines_of(key: str) -> set[tuple[str, Decimal, Decimal, bool]]:
    entry = JournalEntry.objects.get(idempotency_key=key)
    return {
        (line.account.code, line.debit, line.credit, line.loan_id is not None)
        for line in entry.lines.select_related("account")
    }


def test_disbursement_with_a_withheld_fee_pays_out_the_net_amount():
    # given an approved loan of 12,000 with a 200.00 upfront fee withheld, signed for Jan 10
    loan = make_loan("12000.00", 12, date(2026, 1, 10), upfront_fee_amount=Decimal("200.00"))
    # when it is disbursed on Jan 15
    loan = loan_disburse(loan=loan, business_date=START, actor=ACTOR)
    # then it is active, scheduled from Jan 15, and the entry pays out 11,800
    assert loan.status == "active" and loan.disbursed_on == START
    rows = schedule(loan)
    assert len(rows) == 12 and rows[0].period_start == START
    assert rows[0].due_date == date(2026, 2, 15) and loan.maturity_date == date(2027, 1, 15)
    assert sum(row.principal_due for row in rows) == Decimal("12000.00")
    assert lines_of(f"disbursement:{loan.pk}") == {
        ("1303", Decimal("12000.00"), Decimal("0"), True),
        ("1002", Decimal("0"), Decimal("11800.00"), False),
        ("6021", Decimal("0"), Decimal("200.00"), True),
    }
    assert loan_balances(loan_id=loan.pk) == {
        "1303": Decimal("12000.00"),
        "6021": Decimal("200.00"),
    }
    assert_books_consistent(loan)


def test_disbursement_without_withholding_charges_the_fee_on_the_first_installment():
    loan = make_loan(
        "12000.00", 12, START, upfront_fee_amount=Decimal("200.00"), upfront_fee_withheld=False
    )
    loan = loan_disburse(loan=loan, business_date=START, actor=ACTOR)
    first = schedule(loan)[0]
    assert (first.fee_due, first.fee_charged) == (Decimal("200.00"), Decimal("200.00"))
    assert lines_of(f"disbursement:{loan.pk}") == {
        ("1303", Decimal("12000.00"), Decimal("0"), True),
        ("1002", Decimal("0"), Decimal("12000.00"), False),
        ("1133", Decimal("200.00"), Decimal("0"), True),
        ("6021", Decimal("0"), Decimal("200.00"), True),
    }
    assert account_balance(code="1002") == Decimal("-12000.00")
    assert_books_consistent(loan)
