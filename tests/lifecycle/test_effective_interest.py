"""The effective-interest method on loans: fees and subsidies deferred at disbursement (1305),
amortized into interest income by the close, released when the loan is settled early."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.models import JournalLine
from ledger.selectors import loan_balances
from loans.models import Loan
from loans.services.cooling_off import loan_cancel_cooling_off, loan_cooling_off_quote
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from loans.services.waivers import loan_write_off
from origination.services.merchants import merchant_settle
from tests.origination.factories import ACTOR as ORIGINATION_ACTOR
from tests.origination.factories import TODAY, draw, make_merchant, open_line
from tests.origination.factories import make_product as make_origination_product

from .factories import assert_books_consistent, close_steps, make_active_loan, reload, schedule

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 15)


def fee_loan(**overrides) -> Loan:
    """3,000 over 3 months, equal principal at 12% a year on 30/360 (interest 30, 20, 10), a
    30.00 upfront fee withheld and declared part of the yield."""
    fields = {
        "method": "equal_principal",
        "day_count": "30/360",
        "upfront_fee_amount": D("30.00"),
        "yield_fees": ["upfront_fee"],
    }
    return make_active_loan("3000.00", 3, START, **(fields | overrides))


def test_a_yield_fee_is_deferred_at_disbursement_and_the_eir_recorded():
    # when the fee-bearing loan is disbursed
    loan = reload(fee_loan())
    # then the fee is deferred (1305), not fee income, and the EIR is the golden case's
    # (tests/calc/test_effective_interest.py): 19.7405646647% a year
    balances = loan_balances(loan_id=loan.pk)
    assert balances["1305"] == D("30.00") and "6021" not in balances
    assert (loan.effective_rate, loan.deferred_yield) == (D("0.197405646647"), D("30.00"))
    assert [row.interest_due for row in schedule(loan)] == [D("30.00"), D("20.00"), D("10.00")]
    assert [row.yield_amortization for row in schedule(loan)] == [
        D("14.93"),
        D("10.02"),
        D("5.05"),
    ]
    assert_books_consistent(loan)


def test_the_close_amortizes_daily_and_exactly_over_the_life():
    loan = fee_loan()
    # when the close runs on Jan 31 (16 of the first period's 31 days)
    close_steps(date(2026, 1, 31), "accrual", loan=loan)
    # then 14.93 × 16 / 31 = 7.71 is amortized into interest income, with 30 × 16/31 = 15.48
    balances = loan_balances(loan_id=loan.pk)
    assert balances["1305"] == D("22.29")
    assert balances["6011"] == D("15.48") + D("7.71")
    # and running it again books nothing more
    close_steps(date(2026, 1, 31), "accrual", loan=loan)
    assert loan_balances(loan_id=loan.pk)["1305"] == D("22.29")
    # when the close runs every day to maturity
    day = date(2026, 2, 1)
    while day <= date(2026, 4, 15):
        close_steps(day, "accrual", loan=loan)
        day = date.fromordinal(day.toordinal() + 1)
    # then the whole fee is interest income: 60.00 contractual + 30.00 amortized, nothing deferred
    balances = loan_balances(loan_id=loan.pk)
    assert balances["1305"] == 0 and balances["6011"] == D("90.00")
    assert reload(loan).yield_amortized == D("30.00")
    assert_books_consistent(loan)


def test_a_prepaid_loan_releases_what_is_still_deferred():
    # given the fee loan amortized through Feb 20 (the first period and 5 of 28 days)
    loan = fee_loan()
    close_steps(date(2026, 2, 20), "accrual", loan=loan)
    # 14.93 + 10.02 × 5 / 28 = 14.93 + 1.79
    assert loan_balances(loan_id=loan.pk)["1305"] == D("13.28")
    # when the borrower pays the loan off that day
    on = date(2026, 2, 20)
    quote = loan_payoff_quote(loan=loan, on=on)
    loan_pay_off(
        loan=loan, amount=quote.total, value_date=on, business_date=on, idempotency_key="off"
    )
    # then the 13.28 left is released into interest income: nothing stays deferred
    loan = reload(loan)
    assert loan.status == "paid_off" and loan.yield_amortized == D("30.00")
    assert loan_balances(loan_id=loan.pk)["1305"] == 0
    release = JournalLine.objects.get(
        entry__kind="yield_release", loan_id=loan.pk, account__code="1305"
    )
    assert release.debit == D("13.28")
    assert_books_consistent(loan)


def test_an_upfront_fee_charged_with_the_first_installment_is_deferred_too():
    loan = fee_loan(upfront_fee_withheld=False)
    balances = loan_balances(loan_id=loan.pk)
    # the fee is a receivable (Dr 1133) deferred (Cr 1305); the carrying amount is still 2,970
    assert balances["1133"] == D("30.00") and balances["1305"] == D("30.00")
    assert sum(row.yield_amortization for row in schedule(loan)) == D("30.00")
    assert_books_consistent(loan)


def test_a_write_off_takes_what_is_deferred_into_the_loss():
    loan = fee_loan()
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    loan_write_off(loan=loan, business_date=START, actor="t", reason="fraud")
    balances = loan_balances(loan_id=loan.pk)
    # the loss is the principal less the fee never recognized: 3,000 − 30 = 2,970
    assert balances["1305"] == 0 and balances["6711"] == D("2970.00")
    assert_books_consistent(loan)


def test_direct_costs_are_paid_from_the_deferral_and_lower_the_yield():
    loan = reload(fee_loan(yield_fees=["upfront_fee", "direct_costs"], direct_cost_amount=D("50")))
    # 30.00 fee − 50.00 commission: 20.00 of net cost deferred (a debit on 1305), EIR below 1%/month
    assert loan.deferred_yield == D("-20.00") and loan.effective_rate < D("0.12")
    assert loan_balances(loan_id=loan.pk)["1305"] == D("-20.00")
    assert sum(row.yield_amortization for row in schedule(loan)) == D("-20.00")
    assert_books_consistent(loan)


def subsidised_plan():
    line = open_line(make_origination_product("cash_loan"))
    product = make_origination_product("ecommerce_installment", yield_fees=["merchant_subsidy"])
    return draw(line, product, "1200", 12, merchant=make_merchant(), subsidised=True)


def test_a_merchant_subsidy_declared_yield_is_interest_income_over_the_plan():
    # given a 0% plan on 1,200 whose merchant pays the 12 × 7.20 fee (86.40)
    drawdown = subsidised_plan()
    loan = reload(drawdown.loan)
    # then the subsidy is deferred, not fee income, and the EIR is positive though the rate is 0
    balances = loan_balances(loan_id=loan.pk)
    assert drawdown.subsidy_amount == D("86.40")
    assert balances["1305"] == D("86.40") and "6021" not in balances
    assert loan.annual_rate == 0 and loan.effective_rate > D("0.13")
    rows = schedule(loan)
    assert sum(row.yield_amortization for row in rows) == D("86.40")
    assert rows[0].yield_amortization > rows[-1].yield_amortization > 0
    # when the close runs past the first due date
    merchant_settle(merchant=drawdown.merchant, business_date=TODAY, actor=ORIGINATION_ACTOR)
    close_steps(rows[0].due_date, "accrual", loan=loan)
    # then the first period's share is interest income
    assert loan_balances(loan_id=loan.pk)["6011"] == rows[0].yield_amortization
    assert_books_consistent(loan)


def test_a_cooling_off_keeps_the_merchants_subsidy_as_income():
    drawdown = subsidised_plan()
    loan = drawdown.loan
    quote = loan_cooling_off_quote(loan=loan)
    assert quote.returned_by_borrower == D("1200.00")
    loan_cancel_cooling_off(
        loan=loan, amount=D("1200.00"), business_date=TODAY, idempotency_key="cool"
    )
    balances = loan_balances(loan_id=loan.pk)
    assert balances.get("1305", 0) == 0 and balances["6011"] == D("86.40")
    assert_books_consistent(loan)
