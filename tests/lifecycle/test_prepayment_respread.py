"""The deferred yield (1305) when a partial prepayment rebuilds a loan's schedule (IFRS 9 B5.4.6):
the plan through the value date stands; what the replaced rows had still to amortize is divided:
the prepaid principal's share is released on the value date, the rest spread over the rebuilt
rows by their EIR; a reversal puts the old plan and EIR back exactly.

The golden loan (as in `test_yield_respread`): 12,000 over 12 months at 12% on 30/360, 1,066.19 a
month from Feb 15, 2026, a 120.00 upfront fee withheld and declared yield, EIR 14.8356833030%.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ledger.models import JournalLine
from loans.errors import LoanRuleError
from loans.models import Installment, Repayment
from loans.services.effective_interest import yield_amortized_through
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from loans.services.prepayments import loan_prepay
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse
from loans.services.schedule_rows import loan_rounding

from .factories import assert_books_consistent, close_steps, make_active_loan, reload, schedule
from .test_yield_respread import deferred_left, fee_loan, pay_rows, planned_total

pytestmark = pytest.mark.django_db
D = Decimal
MAY_15 = date(2026, 5, 15)
JUNE_1 = date(2026, 6, 1)


def amounts(text):
    return [D(amount) for amount in text.split()]


def through(loan, on):
    """What the loan's live plan (every row with an amount) has amortized by the end of `on`."""
    rows = Installment.objects.filter(loan=loan).exclude(yield_amortization=0)
    return yield_amortized_through(
        rows.values_list("yield_amortization", "period_start", "days_in_period"),
        on,
        loan_rounding(loan),
    )


def picture(loan):
    loan = reload(loan)
    rows = Installment.objects.filter(loan=loan).order_by("id")
    return loan.effective_rate, [
        (row.pk, row.status, row.yield_amortization, row.due_date, row.days_in_period)
        for row in rows
    ]


def test_golden_surplus_of_a_repayment_releases_the_prepaid_share_and_respreads_the_rest():
    # given the golden loan paid through row 4; rows 6–12 plan 44.63 on 7,173.48 of principal
    loan = fee_loan()
    pay_rows(loan, 4)
    before = schedule(reload(loan))
    assert [row.yield_amortization for row in before[5:]] == amounts(
        "10.93 9.46 7.96 6.45 4.88 3.29 1.66"
    )
    # when row 5 (due Jun 15) is paid with 4,000.00 more on its due date (the loan's mode
    # shortens the term: the same 1,066.19 a month, fewer months)
    loan_repay(
        loan=reload(loan),
        amount=before[4].total_due + D("4000.00"),
        value_date=before[4].due_date,
        business_date=before[4].due_date,
        idempotency_key="row-5-and-more",
    )
    loan = reload(loan)
    rows = schedule(loan)
    prepayment = next(row for row in rows if row.days_in_period == 0)
    rebuilt = [row for row in rows if row.due_date > before[4].due_date]
    # then 44.63 × 4,000 / 7,173.48 = 24.886 → 24.89 is released on the prepayment row (due
    # Jun 15), and 44.63 − 24.89 = 19.74 is spread over the four rebuilt rows (3,173.48 of
    # principal: 1,066.19 a month to Sep 15 and 39.36 on Oct 15) by their EIR: the monthly rate
    # i discounting those flows to 3,173.48 − 19.74 = 3,153.74 is 1.3129523%, (1 + i)^12 − 1 =
    # 16.9444603646%; each row's part is the carrying amount × i less its interest:
    # 3,153.74 × i − 31.73 = 9.68, then 6.56, 3.38 and 0.12
    assert prepayment.principal_paid == D("4000.00")
    assert prepayment.yield_amortization == D("24.89")
    assert [row.principal_due + row.interest_due for row in rebuilt] == amounts(
        "1066.19 1066.19 1066.19 39.36"
    )
    assert [row.yield_amortization for row in rebuilt] == amounts("9.68 6.56 3.38 0.12")
    assert loan.effective_rate == D("0.169444603646")
    assert not Installment.objects.filter(loan=loan, status="cancelled").exclude(
        yield_amortization=0
    )
    assert planned_total(loan) == D("120.00")


def test_the_close_books_the_release_on_the_value_date_and_ends_at_zero():
    loan = fee_loan()
    pay_rows(loan, 4)
    close_steps(MAY_15, "accrual", loan=loan)
    row_5 = schedule(reload(loan))[4]
    loan_repay(
        loan=reload(loan),
        amount=row_5.total_due + D("4000.00"),
        value_date=row_5.due_date,
        business_date=row_5.due_date,
        idempotency_key="row-5-and-more",
    )
    # the close of the value date books the plan through it: rows 1–5 and the release
    close_steps(row_5.due_date, "accrual", loan=loan)
    loan = reload(loan)
    assert loan.yield_amortized == D("63.03") + D("12.34") + D("24.89")
    close_steps(loan.maturity_date, "accrual", loan=loan)
    loan = reload(loan)
    assert loan.yield_amortized == D("120.00") and deferred_left(loan) == 0
    assert_books_consistent(loan)


@pytest.mark.parametrize("mode", ["lower_installment", "shorten_term"])
def test_a_mid_period_prepayment_keeps_the_plan_through_its_value_date(mode):
    # given the golden loan paid through row 4, booked through May 31
    loan = fee_loan()
    pay_rows(loan, 4)
    close_steps(JUNE_1 - timedelta(days=1), "accrual", loan=loan)
    loan = reload(loan)
    assert loan.yield_amortized == through(loan, JUNE_1 - timedelta(days=1))
    on_the_day = through(loan, JUNE_1)
    # when 3,000 is prepaid on Jun 1, in row 5's period (cut at Jun 1)
    loan_prepay(
        loan=loan,
        amount=D("3000.00"),
        value_date=JUNE_1,
        business_date=JUNE_1,
        idempotency_key="prepay",
        mode=mode,
    )
    loan = reload(loan)
    prepayment = next(row for row in schedule(loan) if row.days_in_period == 0)
    assert prepayment.yield_amortization > 0
    # then nothing cancelled or cut carries a plan, and the plan through Jun 1 is what it was
    # plus the prepaid share of what was left, released on Jun 1 (the close never reads the plan
    # through a date before a payment's value date again: a value date is never after the
    # business date)
    assert planned_total(loan) == D("120.00")
    cut = next(row for row in schedule(loan) if row.number == 5)
    assert cut.due_date == JUNE_1 and cut.yield_amortization == 0
    released = through(loan, JUNE_1) - on_the_day
    left = D("120.00") - on_the_day
    assert 0 < released < left
    principal = D("12000.00") - D("946.19") - D("955.65") - D("965.21") - D("974.86")
    prepaid = prepayment.principal_paid
    assert abs(released - left * prepaid / principal) <= D("0.01")
    close_steps(loan.maturity_date, "accrual", loan=loan)
    loan = reload(loan)
    assert loan.yield_amortized == D("120.00") and deferred_left(loan) == 0
    assert_books_consistent(loan)


def test_reversing_the_prepayment_puts_the_plan_and_the_eir_back():
    loan = fee_loan()
    pay_rows(loan, 4)
    before = picture(loan)
    prepayment = loan_prepay(
        loan=reload(loan),
        amount=D("3000.00"),
        value_date=JUNE_1,
        business_date=JUNE_1,
        idempotency_key="prepay",
    )
    assert picture(loan)[0] != before[0]
    repayment_reverse(
        repayment=Repayment.objects.get(pk=prepayment.pk),
        business_date=JUNE_1,
        actor="t",
        reason="returned by the bank",
    )
    rate, rows = picture(loan)
    assert rate == before[0]
    # the rows the prepayment made are cancelled with nothing planned; the others are as before
    old = {pk for pk, *_ in before[1]}
    assert [row for row in rows if row[0] in old] == before[1]
    assert all(row[1] == "cancelled" and row[2] == 0 for row in rows if row[0] not in old)
    assert planned_total(loan) == D("120.00")
    assert_books_consistent(loan)


def live_plan(loan):
    loan = reload(loan)
    return loan.effective_rate, [
        (row.due_date, row.days_in_period, row.principal_due, row.yield_amortization)
        for row in schedule(loan)
    ]


def test_a_back_dated_repayment_replays_the_prepayment_as_if_in_order():
    # given two golden loans: one pays rows 1–4 then prepays 3,000 on Jun 1; the other prepays
    # on Jun 1 with row 4 unpaid, and row 4's payment on its due date is recorded afterwards
    in_order = fee_loan()
    pay_rows(in_order, 4)
    late = fee_loan()
    pay_rows(late, 3)
    row_4 = schedule(reload(late))[3]
    for loan in (in_order, late):
        loan_prepay(
            loan=reload(loan),
            amount=D("3000.00"),
            value_date=JUNE_1,
            business_date=JUNE_1,
            idempotency_key=f"prepay:{loan.pk}",
        )
    assert live_plan(late) != live_plan(in_order)
    # when the late loan's row 4 payment arrives, back-dated: the prepayment is unwound (its
    # plan and EIR put back) and applied again after it
    loan_repay(
        loan=reload(late),
        amount=row_4.total_due,
        value_date=row_4.due_date,
        business_date=JUNE_1,
        idempotency_key="row-4-late",
    )
    # then its deferred-yield plan and EIR are those of the loan that paid in order
    assert live_plan(late) == live_plan(in_order)
    assert planned_total(late) == D("120.00")
    close_steps(reload(late).maturity_date, "accrual", loan=late)
    assert deferred_left(reload(late)) == 0
    assert_books_consistent(late)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    principal=st.integers(min_value=1000, max_value=50000),
    term=st.integers(min_value=3, max_value=18),
    permille=st.integers(min_value=1, max_value=10),
    method=st.sampled_from(["equal_installment", "equal_principal"]),
    mode=st.sampled_from(["lower_installment", "shorten_term"]),
    day=st.integers(min_value=1, max_value=540),
    percent=st.integers(min_value=1, max_value=95),
    payoff=st.booleans(),
    later=st.integers(min_value=0, max_value=400),
)
def test_any_prepayment_amortizes_exactly_the_deferred_amount(
    principal, term, permille, method, mode, day, percent, payoff, later
):
    start = date(2026, 1, 15)
    fee = (D(principal) * permille / 1000).quantize(D("0.01"))
    loan = make_active_loan(
        f"{principal}.00", term, start, method, upfront_fee_amount=fee, yield_fees=["upfront_fee"]
    )
    deferred = reload(loan).deferred_yield
    on = start + timedelta(days=day % ((reload(loan).maturity_date - start).days - 1) + 1)
    close_steps(on - timedelta(days=1), "accrual", loan=loan)
    quote = loan_payoff_quote(loan=reload(loan), on=on)
    amount = (quote.total * percent / 100).quantize(D("0.01"))
    assume(amount > 0)
    try:
        loan_prepay(
            loan=reload(loan),
            amount=amount,
            value_date=on,
            business_date=on,
            idempotency_key=f"prepay:{loan.pk}",
            mode=mode,
        )
    except LoanRuleError:
        assume(False)
    loan = reload(loan)
    assert planned_total(loan) == deferred
    close_steps(on + timedelta(days=later), "accrual", loan=loan)
    if payoff and reload(loan).status != "paid_off":
        when = max(min(on + timedelta(days=later), reload(loan).maturity_date), on)
        quote = loan_payoff_quote(loan=reload(loan), on=when)
        loan_pay_off(
            loan=reload(loan),
            amount=quote.total,
            value_date=when,
            business_date=when,
            idempotency_key=f"off:{loan.pk}",
        )
    else:
        close_steps(max(reload(loan).maturity_date, on), "accrual", loan=loan)
    loan = reload(loan)
    assert deferred_left(loan) == 0 and loan.yield_amortized == deferred
    amortized = (
        JournalLine.objects.filter(loan_id=loan.pk, account__code="1305")
        .exclude(entry__kind="disbursement")
        .aggregate(total=Sum("debit") - Sum("credit"))["total"]
    )
    assert amortized == deferred
    assert_books_consistent(loan)
