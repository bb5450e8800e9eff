"""Each product type's drawdown, its payee and its books: e-commerce with merchant settlement and
a subsidised plan, cash loan, balance transfer, policy loan with collateral, scene loan refund."""

from datetime import timedelta
from decimal import Decimal

import pytest

from ledger.selectors import account_balance, loan_balances, trial_balance
from loans.models import Collateral, Installment
from loans.services.cooling_off import loan_cancel_cooling_off, loan_cooling_off_quote
from loans.services.lending_limits import LendingLimitExceeded
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from origination.errors import OriginationError
from origination.models import CreditLine, LoanApplication
from origination.services.credit_lines import credit_line_available
from origination.services.line_sync import credit_lines_sync
from origination.services.merchants import merchant_refund, merchant_settle
from tests.lifecycle.factories import assert_books_consistent, reload, schedule

from .factories import (
    ACTOR,
    TODAY,
    decide,
    draw,
    make_borrower,
    make_merchant,
    make_product,
    open_line,
    pledged,
    submit,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def line():
    return open_line(make_product("cash_loan"))


def rows(loan):
    return schedule(loan)


def test_ecommerce_drawdown_owes_the_merchant_then_settles(line):
    # given a line and an e-commerce merchant; when the borrower buys for 3,000 in 6 installments
    product = make_product("ecommerce_installment")
    merchant = make_merchant()
    drawdown = draw(line, product, "3000", 6, merchant=merchant, order_reference="ORDER-1")
    loan = drawdown.loan
    # then the plan is a flat-fee installment plan paid to the merchant, not the borrower
    assert (drawdown.payee_kind, drawdown.payee_name) == ("merchant", merchant.name)
    assert drawdown.settlement_status == "pending"
    assert loan.status == "active"
    assert [r.principal_due for r in rows(loan)] == [D("500.00")] * 6
    assert [r.fee_due for r in rows(loan)] == [D("18.00")] * 6
    assert loan_balances(loan_id=loan.pk) == {"1303": D("3000.00"), "2202": D("3000.00")}
    assert account_balance(code="1002") == D("0")
    assert credit_line_available(line=line) == line.limit - D("3000")
    # when the merchant is settled
    merchant_settle(merchant=merchant, business_date=TODAY, actor=ACTOR)
    # then the payable is paid from the bank
    drawdown.refresh_from_db()
    assert (drawdown.settlement_status, drawdown.settled_amount) == ("settled", D("3000.00"))
    assert loan_balances(loan_id=loan.pk)["2202"] == D("0")
    assert account_balance(code="1002") == D("-3000.00")
    assert_books_consistent(loan)


def test_merchant_subsidised_interest_free_plan(line):
    # given a merchant paying the fee of a 12-month plan on 6,000 (0.6% a month)
    product = make_product("ecommerce_installment")
    merchant = make_merchant()
    drawdown = draw(line, product, "6000", 12, merchant=merchant, subsidised=True)
    loan = drawdown.loan
    # then the borrower pays principal only, at an APR of zero
    assert (loan.annual_rate, loan.fee_rate, loan.apr_nominal) == (D("0"), D("0"), D("0"))
    assert sum(r.fee_due + r.interest_due for r in rows(loan)) == D("0")
    assert sum(r.principal_due for r in rows(loan)) == D("6000.00")
    # and the merchant's subsidy (12 × 36.00) is fee income netted from its settlement
    assert drawdown.subsidy_amount == D("432.00")
    assert account_balance(code="6021") == D("432.00")
    assert loan_balances(loan_id=loan.pk)["2202"] == D("5568.00")
    merchant_settle(merchant=merchant, business_date=TODAY, actor=ACTOR)
    drawdown.refresh_from_db()
    assert drawdown.settled_amount == D("5568.00")
    assert account_balance(code="1002") == D("-5568.00")
    assert loan_balances(loan_id=loan.pk)["2202"] == D("0")
    assert_books_consistent(loan)


def test_a_subsidised_plans_cooling_off_refund_leaves_the_merchants_subsidy(line):
    # given a subsidised plan: the subsidy is fee income of the loan, paid by the merchant
    drawdown = draw(
        line,
        make_product("ecommerce_installment"),
        "6000",
        12,
        merchant=make_merchant(),
        subsidised=True,
    )
    loan = drawdown.loan
    assert loan_balances(loan_id=loan.pk)["6021"] == D("432.00")
    # when the borrower cancels in the cooling-off period, they return the 6,000 only
    quote = loan_cooling_off_quote(loan=loan)
    assert (quote.returned_by_borrower, quote.refunded_to_borrower) == (D("6000.00"), D("0"))
    loan_cancel_cooling_off(
        loan=loan, amount=D("6000.00"), business_date=TODAY, idempotency_key="c"
    )
    # then the subsidy stays the loan's income; nothing else is left on it
    left = {code: amount for code, amount in loan_balances(loan_id=loan.pk).items() if amount}
    assert left == {"2202": D("5568.00"), "6021": D("432.00")}
    assert_books_consistent(loan)


def test_only_a_merchant_subsidises(line):
    with pytest.raises(OriginationError):
        draw(line, make_product("cash_loan"), "1000", 6, subsidised=True)


def test_cash_loan_pays_the_borrowers_bank_account_with_the_first_loan_discount(line):
    drawdown = draw(line, make_product("cash_loan"), "10000", 12)
    loan = drawdown.loan
    assert (drawdown.payee_kind, drawdown.payee_account_masked) == ("borrower", "6217****1234")
    assert drawdown.settlement_status == "n/a"
    # the line's band B rate 14.4% less the 1-point first-loan discount
    assert loan.annual_rate == line.annual_rate - D("0.01")
    assert drawdown.pricing_adjustments == [{"reason": "first_loan_discount", "change": "-0.01"}]
    assert loan_balances(loan_id=loan.pk) == {"1303": D("10000.00")}
    assert account_balance(code="1002") == D("-10000.00")
    assert_books_consistent(loan)


def test_second_drawdown_has_no_first_loan_discount(line):
    draw(line, make_product("cash_loan"), "1000", 6)
    second = draw(line, make_product("cash_loan"), "1000", 6)
    assert second.loan.annual_rate == line.annual_rate


def test_cash_loan_needs_the_payees_account(line):
    from origination.services.drawdowns import DrawdownRequest, drawdown_create

    request = DrawdownRequest(product=make_product("cash_loan"), amount=D("1000"), term=6)
    with pytest.raises(OriginationError):
        drawdown_create(
            line=line, request=request, business_date=TODAY, actor=ACTOR, idempotency_key="k"
        )


def test_balance_transfer_pays_the_card_issuer_net_of_the_fee(line):
    drawdown = draw(line, make_product("balance_transfer"), "20000", 12)
    loan = drawdown.loan
    assert (drawdown.payee_kind, drawdown.payee_name) == (
        "card_issuer",
        "China Merchants Bank card center",
    )
    assert loan.upfront_fee == D("200.00")
    assert loan_balances(loan_id=loan.pk) == {"1303": D("20000.00"), "6021": D("200.00")}
    assert account_balance(code="1002") == D("-19800.00")
    assert_books_consistent(loan)


def policy_line(cash_value="100000", amount="80000", term=6):
    product = make_product("policy_loan")
    application = submit(
        make_borrower(),
        product,
        amount=amount,
        term=term,
        kind=LoanApplication.Kind.ONE_OFF,
        collateral={"cash_value": cash_value, "insurer": "Ping An Life"},
        monthly_income="50000",
    )
    decision = decide(application)
    return decision, product


def test_policy_loan_is_secured_at_most_90_percent_for_at_most_6_months():
    # given a one-off policy-loan application on a cash value of 100,000
    decision, product = policy_line(cash_value="100000", amount="95000")
    assert decision.outcome == "approve"
    # then the offer is capped at 90% of the cash value
    assert (decision.offer["limit"], decision.offer["limit_binding"]) == ("90000.00", "collateral")
    line = CreditLine.objects.get(application=decision.application)
    assert (line.secured, line.revolving) == (True, False)
    # a pledge worth less than the amount / 0.9, or a term over 6 months, is refused
    with pytest.raises(LendingLimitExceeded, match="90"):
        draw(line, product, "90000", 6, collateral=pledged("99999"))
    with pytest.raises(LendingLimitExceeded, match="6 months"):
        draw(line, product, "90000", 7, collateral=pledged("100000"))
    # when drawn within both
    drawdown = draw(line, product, "90000", 6, collateral=pledged("100000"))
    loan = drawdown.loan
    collateral = Collateral.objects.get(loan=loan)
    assert (collateral.status, collateral.advance_ratio) == ("pledged", D("0.9"))
    # then the one-off line is spent and closed
    line.refresh_from_db()
    assert line.status == "closed"
    assert_books_consistent(loan)


def test_policy_loan_collateral_is_released_on_payoff():
    decision, product = policy_line()
    line = CreditLine.objects.get(application=decision.application)
    loan = draw(line, product, "50000", 6, collateral=pledged()).loan
    later = TODAY + timedelta(days=20)
    quote = loan_payoff_quote(loan=loan, on=later)
    loan_pay_off(
        loan=loan,
        amount=quote.total,
        value_date=later,
        business_date=later,
        idempotency_key="payoff-1",
    )
    assert reload(loan).status == "paid_off"
    # the end-of-day close's hook releases the pledge
    result = credit_lines_sync(business_date=later, loan_ids=[loan.pk])
    assert result.collateral_released == 1
    collateral = Collateral.objects.get(loan=loan)
    assert (collateral.status, collateral.released_on) == ("released", later)
    assert_books_consistent(loan)


def test_policy_loan_without_a_pledge_is_refused():
    decision, product = policy_line()
    line = CreditLine.objects.get(application=decision.application)
    with pytest.raises(LendingLimitExceeded, match="no cash value pledged"):
        draw(line, product, "1000", 6)


def test_scene_loan_course_refund_after_settlement_reduces_principal(line):
    # given an education loan of 12,000 paid to the school and settled
    product = make_product("scene_education")
    school = make_merchant(kind="education")
    drawdown = draw(line, product, "12000", 12, merchant=school)
    merchant_settle(merchant=school, business_date=TODAY, actor=ACTOR)
    loan = drawdown.loan
    before = rows(loan)
    # when, ten days later, half the course is refunded by the school
    later = TODAY + timedelta(days=10)
    merchant_refund(
        drawdown=drawdown,
        amount=D("6000.00"),
        business_date=later,
        actor=ACTOR,
        idempotency_key="course-refund",
        reason="course cancelled",
    )
    # then principal owed is 6,000, over the same 12 due dates, with lower installments
    after = rows(loan)
    assert loan_balances(loan_id=loan.pk)["1303"] == D("6000.00")
    assert sum(r.principal_due - r.principal_paid for r in after) == D("6000.00")
    assert [r.due_date for r in after] == [r.due_date for r in before]
    assert (
        after[1].principal_due + after[1].interest_due
        < before[1].principal_due + before[1].interest_due
    )
    # the first period keeps 10 days' interest on 12,000 and the rest on 6,000
    assert before[0].interest_due > after[0].interest_due > before[0].interest_due / 2
    # the school paid the refund back to the bank; the line is restored
    assert account_balance(code="1002") == D("-6000.00")
    assert credit_line_available(line=line) == line.limit - D("6000.00")
    # and the same refund twice books once
    merchant_refund(
        drawdown=drawdown,
        amount=D("6000.00"),
        business_date=later,
        actor=ACTOR,
        idempotency_key="course-refund",
        reason="course cancelled",
    )
    assert loan_balances(loan_id=loan.pk)["1303"] == D("6000.00")
    assert_books_consistent(loan)


def test_ecommerce_return_before_settlement_reduces_the_payable_and_the_fees(line):
    product = make_product("ecommerce_installment")
    shop = make_merchant()
    drawdown = draw(line, product, "3000", 6, merchant=shop)
    merchant_refund(
        drawdown=drawdown,
        amount=D("1200.00"),
        business_date=TODAY,
        actor=ACTOR,
        idempotency_key="return-1",
        reason="item returned",
    )
    loan = drawdown.loan
    assert loan_balances(loan_id=loan.pk) == {"1303": D("1800.00"), "2202": D("1800.00")}
    after = rows(loan)
    assert [r.principal_due for r in after] == [D("300.00")] * 6
    assert [r.fee_due for r in after] == [D("10.80")] * 6  # 0.6% of the 1,800 still financed
    merchant_settle(merchant=shop, business_date=TODAY, actor=ACTOR)
    drawdown.refresh_from_db()
    assert drawdown.settled_amount == D("1800.00")
    assert_books_consistent(loan)


def test_a_full_refund_pays_the_plan_off(line):
    product = make_product("scene_medical")
    clinic = make_merchant(kind="medical")
    drawdown = draw(line, product, "5000", 6, merchant=clinic)
    merchant_refund(
        drawdown=drawdown,
        amount=D("5000.00"),
        business_date=TODAY,
        actor=ACTOR,
        idempotency_key="full",
        reason="treatment cancelled",
    )
    loan = reload(drawdown.loan)
    assert loan.status == "paid_off"
    assert loan_balances(loan_id=loan.pk) == {"1303": D("0"), "2202": D("0")}
    assert rows(loan) == []
    assert credit_line_available(line=line) == line.limit
    assert_books_consistent(loan)


def test_a_refund_above_what_is_owed_is_refused(line):
    product = make_product("scene_car")
    dealer = make_merchant(kind="car")
    drawdown = draw(line, product, "5000", 6, merchant=dealer)
    with pytest.raises(OriginationError):
        merchant_refund(
            drawdown=drawdown,
            amount=D("5000.01"),
            business_date=TODAY,
            actor=ACTOR,
            idempotency_key="too-much",
            reason="x",
        )


def test_the_trial_balance_nets_to_zero_after_every_product(line):
    merchant = make_merchant()
    draw(line, make_product("ecommerce_installment"), "1000", 3, merchant=merchant)
    draw(
        line, make_product("ecommerce_installment"), "1200", 12, merchant=merchant, subsidised=True
    )
    draw(line, make_product("cash_loan"), "2000", 12)
    draw(line, make_product("balance_transfer"), "3000", 6)
    draw(line, make_product("scene_car"), "4000", 12, merchant=make_merchant(kind="car"))
    merchant_settle(merchant=merchant, business_date=TODAY, actor=ACTOR)
    assert trial_balance().balanced
    assert Installment.objects.filter(loan__drawdown__line=line).exists()
    assert_books_consistent()
