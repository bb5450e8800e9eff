"""The deferred yield (1305) when a modification replaces a loan's rows: what is amortized by the
boundary stays booked, the rest is re-spread over the new rows by a new EIR."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.selectors import loan_balances
from loans.services.modifications import modification_approve, modification_request
from loans.services.repayments import loan_repay

from .factories import assert_books_consistent, close_steps, make_active_loan, reload, schedule

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 15)
ON = date(2026, 5, 15)


def fee_loan(**overrides):
    """12,000 over 12 months at 12% on 30/360 (1% a month), equal installments of 1,066.19, a
    120.00 upfront fee withheld and declared part of the yield."""
    fields = {"day_count": "30/360", "upfront_fee_amount": D("120.00"), "yield_fees": ["upfront_fee"]}
    return make_active_loan("12000.00", 12, START, **(fields | overrides))


def paid_through_month_4(loan):
    for row in schedule(loan)[:4]:
        loan_repay(
            loan=reload(loan),
            amount=row.total_due,
            value_date=row.due_date,
            business_date=row.due_date,
            idempotency_key=f"pay:{loan.pk}:{row.number}",
        )
    close_steps(ON - date.resolution, "accrual", loan=loan)
    return reload(loan)


def holiday(loan, installments=2, on=ON):
    modification = modification_request(
        loan=loan,
        kind="payment_holiday",
        effective_date=on,
        parameters={"installments": installments},
        business_date=on,
        requested_by="maker",
        reason="lost income",
    )
    return modification_approve(modification=modification, checker="checker", business_date=on)


def test_a_holiday_extended_loan_still_holds_deferred_yield_at_the_original_maturity():
    loan = paid_through_month_4(fee_loan())
    holiday(loan)
    close_steps(date(2027, 1, 15), "accrual", loan=loan)
    # the two extra months still have their share of the fee to amortize
    assert loan_balances(loan_id=loan.pk)["1305"] > 0
    close_steps(date(2027, 3, 15), "accrual", loan=loan)
    assert loan_balances(loan_id=loan.pk).get("1305", 0) == 0
    assert_books_consistent(loan)
