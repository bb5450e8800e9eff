"""The deferred yield (1305) when a modification replaces a loan's rows (IFRS 9 B5.4 / CAS 22):
what is amortized by the boundary stays booked, what is left is re-spread over the new rows by a
new EIR (the rate discounting their cash flows to the carrying amount at the boundary), an
unwind puts the old plan back, a settlement releases what is left.

The golden loan: 12,000 over 12 months at 12% on 30/360 (1% a month), equal installments of
1,066.19 from Feb 15, 2026, a 120.00 upfront fee withheld and declared yield. Its EIR is
14.8356833030% a year; the fee's plan over rows 1–4 is 17.74 + 16.44 + 15.10 + 13.75 = 63.03.
Rows 1–4 are paid on their due dates; on May 15 (the boundary: row 5's period starts) a payment
holiday of 2 installments is applied: rows 5–12 (8,158.09 of principal = 12,000 − 946.19 −
955.65 − 965.21 − 974.86) become 2 holiday rows and 8 rows repaying it to Mar 15, 2027, the
holiday's interest spread over them.
"""

from datetime import date, timedelta
from decimal import Decimal, localcontext

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ledger.models import JournalLine
from ledger.selectors import loan_balances
from ledger.services import business_date_current
from loans.errors import LoanRuleError
from loans.models import Installment, LoanModification
from loans.services.applying import loan_lock
from loans.services.book import LoanBook
from loans.services.loan_io import installments_of
from loans.services.modification_apply import modification_unwind
from loans.services.modifications import modification_approve, modification_request
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from loans.services.repayments import loan_repay
from tests.api.conftest import make_user
from tests.eod.helpers import close_until
from tests.modifications.test_settlements import ask as settlement_ask
from tests.modifications.test_settlements import pay as settlement_pay

from .factories import assert_books_consistent, close_steps, make_active_loan, reload, schedule

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 15)
ON = date(2026, 5, 15)
FEE_YIELD = {"yield_fees": ["upfront_fee"]}
FEE = {"upfront_fee_amount": D("120.00"), **FEE_YIELD}


def fee_loan(**overrides):
    return make_active_loan("12000.00", 12, START, **({"day_count": "30/360", **FEE} | overrides))


def pay_rows(loan, count):
    for row in schedule(loan)[:count]:
        loan_repay(
            loan=reload(loan),
            amount=row.total_due,
            value_date=row.due_date,
            business_date=row.due_date,
            idempotency_key=f"pay:{loan.pk}:{row.number}",
        )


def paid_through_month_4(**overrides):
    loan = fee_loan(**overrides)
    pay_rows(loan, 4)
    close_steps(ON - timedelta(days=1), "accrual", loan=loan)
    return reload(loan)


def modify(loan, kind, on=ON, **parameters):
    modification = modification_request(
        loan=loan,
        kind=kind,
        effective_date=on,
        parameters=parameters,
        business_date=on,
        requested_by="maker",
        reason="lost income",
    )
    return modification_approve(modification=modification, checker="checker", business_date=on)


def plan(loan):
    return [(row.number, row.yield_amortization) for row in schedule(loan)]


def deferred_left(loan):
    return loan_balances(loan_id=loan.pk).get("1305", D(0))


def planned_total(loan):
    """Σ over the rows standing (the live plan); a cancelled row carries nothing (it was
    replaced at or before its period's start: it amortized nothing)."""
    rows = Installment.objects.filter(loan=loan)
    assert not rows.filter(status="cancelled").exclude(yield_amortization=0).exists()
    live = rows.exclude(status="cancelled")
    return live.aggregate(total=Sum("yield_amortization"))["total"]


def test_golden_payment_holiday_respreads_what_is_left_by_a_new_eir():
    loan = paid_through_month_4()
    assert loan.effective_rate == D("0.148356833030")
    assert [amount for _, amount in plan(loan)[:4]] == [
        D("17.74"),
        D("16.44"),
        D("15.10"),
        D("13.75"),
    ]
    # when the holiday is applied on May 15
    holiday = modify(loan, "payment_holiday", installments=2)
    loan = reload(loan)
    # then rows 1–4 keep their 63.03, the cancelled rows 5–12 keep nothing, and 120 − 63.03 =
    # 56.97 is re-spread over the ten new rows
    assert holiday.yield_respread == D("56.97")
    rows = schedule(loan)
    new = rows[4:]
    assert [row.due_date for row in (new[0], new[-1])] == [date(2026, 6, 15), date(2027, 3, 15)]
    assert sum(amount for _, amount in plan(loan)[:4]) + sum(
        r.yield_amortization for r in new
    ) == D("120.00")
    assert not Installment.objects.filter(loan=loan, status="cancelled").exclude(
        yield_amortization=0
    )
    # the new EIR discounts the new rows' flows (30/360: 30 days each) to the carrying amount
    # at the boundary, 8,158.09 − 56.97 = 8,101.12
    assert (holiday.effective_rate_before, holiday.effective_rate_after) == (
        D("0.148356833030"),
        D("0.139601345972"),
    )
    assert loan.effective_rate == holiday.effective_rate_after
    carrying = sum(row.principal_due for row in new) - D("56.97")
    assert carrying == D("8101.12")
    with localcontext() as context:
        context.prec = 40
        monthly = (1 + loan.effective_rate) ** (D(30) / D(360)) - 1
        present = sum(
            (row.principal_due + row.interest_due) / (1 + monthly) ** k
            for k, row in enumerate(new, start=1)
        )
        assert abs(present - carrying) < D("0.000001")
        # the holiday rows owe no interest: they amortize the whole EIR income, rounded on the
        # running total: 8,101.12 × 1.09487…% = 88.70, then 8,101.12 × (1.0109487…² − 1) =
        # 178.38 after two months, 89.68 of it in the second
        assert new[0].yield_amortization == round(carrying * monthly, 2) == D("88.70")
        two_months = round(carrying * ((1 + monthly) ** 2 - 1), 2)
        assert new[1].yield_amortization == two_months - D("88.70") == D("89.68")
    # the later rows' contractual interest carries the holiday's: they amortize negatively
    assert [row.yield_amortization for row in new[2:]] == [
        D("-11.32"),
        D("-12.37"),
        D("-13.45"),
        D("-14.56"),
        D("-15.67"),
        D("-16.83"),
        D("-17.99"),
        D("-19.22"),
    ]
    # when the close runs to the original maturity, Jan 15, 2027, the two extra months' share is
    # still to amortize (before the fix the old rows had amortized everything by then)
    close_steps(date(2027, 1, 15), "accrual", loan=loan)
    assert deferred_left(loan) == D("-17.99") + D("-19.22")
    # and at the new maturity nothing is left deferred: 63.03 + 56.97 amortized
    close_steps(date(2027, 3, 15), "accrual", loan=loan)
    assert deferred_left(loan) == 0 and reload(loan).yield_amortized == D("120.00")
    assert_books_consistent(loan)


def test_a_reschedule_respreads_over_the_longer_term_and_amortizes_to_the_new_maturity():
    loan = paid_through_month_4()
    reschedule = modify(loan, "reschedule", term=16)
    loan = reload(loan)
    new = schedule(loan)[4:]
    assert len(new) == 16 and new[-1].due_date == date(2027, 9, 15)
    assert reschedule.yield_respread == D("56.97")
    assert sum(row.yield_amortization for row in new) == D("56.97")
    # the same fee over a longer term at the same contract rate: a lower EIR, every row positive
    assert D("0.12") < reschedule.effective_rate_after < reschedule.effective_rate_before
    assert all(row.yield_amortization > 0 for row in new)
    assert planned_total(loan) == loan.deferred_yield == D("120.00")
    close_steps(date(2027, 5, 15), "accrual", loan=loan)
    assert deferred_left(loan) > 0
    close_steps(date(2027, 9, 15), "accrual", loan=loan)
    assert deferred_left(loan) == 0 and reload(loan).yield_amortized == D("120.00")
    assert_books_consistent(loan)


def test_an_unwound_modification_puts_the_old_plan_back_exactly():
    loan = paid_through_month_4()
    before, rate_before = plan(loan), loan.effective_rate
    holiday = modify(loan, "payment_holiday", installments=2)
    # the close amortizes under the holiday's plan for three months (far ahead of the old plan:
    # the holiday months earn the EIR without contractual interest)
    through = date(2026, 8, 20)
    close_steps(through - timedelta(days=1), "accrual", loan=loan)
    assert reload(loan).yield_amortized > D("63.03") + D("13.75")
    # when the modification is unwound (as a back-dated payment's replay does)
    with transaction.atomic():
        locked = loan_lock(loan.pk)
        book = LoanBook(
            locked, business_date=through, rows=installments_of(locked, open_only=False)
        )
        modification_unwind(book, LoanModification.objects.get(pk=holiday.pk), actor="tester")
    # then the rows standing and their plan are the original's, and so is the EIR
    loan = reload(loan)
    assert plan(loan) == before and loan.effective_rate == rate_before
    assert planned_total(loan) == D("120.00")
    # the day's close brings the books back to the old plan through its date (in either
    # direction)
    close_steps(through, "accrual", loan=loan)
    # old plan through Aug 20: rows 1–7 (17.74 … the 7th) and 5/31 of row 8's
    amounts = [amount for _, amount in before]
    expected = sum(amounts[:7]) + (amounts[7] * 5 / 31).quantize(D("0.01"))
    assert reload(loan).yield_amortized == expected
    assert deferred_left(loan) == D("120.00") - expected
    close_steps(date(2027, 1, 15), "accrual", loan=loan)
    assert deferred_left(loan) == 0
    assert_books_consistent(loan)


def test_a_settlement_after_a_modification_releases_what_is_left():
    loan = paid_through_month_4()
    modify(loan, "payment_holiday", installments=2)
    close_steps(date(2026, 5, 20), "accrual", loan=loan)
    left = deferred_left(loan)
    assert left > 0
    collector = make_user(staff=True, groups=("collector",))
    on = date(2026, 5, 20)
    settlement = settlement_ask(loan, amount="7000.00", deadline=date(2026, 6, 1), on=on)
    modification_approve(modification=settlement, checker=collector.username, business_date=on)
    settlement_pay(loan, "7000.00", on, "settle")
    loan = reload(loan)
    assert loan.status == "paid_off"
    assert deferred_left(loan) == 0 and loan.yield_amortized == D("120.00")
    release = JournalLine.objects.get(
        entry__kind="yield_release", loan_id=loan.pk, account__code="1305"
    )
    assert release.debit == left
    assert_books_consistent(loan)


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
    kind=st.sampled_from(["payment_holiday", "reschedule", "rate_change"]),
    size=st.integers(min_value=1, max_value=6),
    day=st.integers(min_value=1, max_value=540),
    payoff=st.booleans(),
    later=st.integers(min_value=0, max_value=400),
)
def test_any_modification_amortizes_exactly_the_deferred_amount(
    principal, term, permille, method, kind, size, day, payoff, later
):
    fee = (D(principal) * permille / 1000).quantize(D("0.01"))  # within the APR cap
    loan = make_active_loan(
        f"{principal}.00",
        term,
        START,
        method,
        upfront_fee_amount=fee,
        yield_fees=["upfront_fee"],
    )
    deferred = reload(loan).deferred_yield
    on = START + timedelta(days=day % ((reload(loan).maturity_date - START).days - 1) + 1)
    close_steps(on - timedelta(days=1), "accrual", loan=loan)
    parameters = {
        "payment_holiday": {"installments": size},
        "reschedule": {"term": term + size - 3 if term + size > 3 else 1},
        "rate_change": {"annual_rate": str(D("0.04") * size)},
    }[kind]
    try:
        modify(reload(loan), kind, on=on, **parameters)
    except LoanRuleError:
        assume(False)  # nothing left to modify after `on`, or the kind's rules refuse it
    loan = reload(loan)
    assert planned_total(loan) == deferred
    # the close between the modification and the end books the plan, stateless
    close_steps(on + timedelta(days=later), "accrual", loan=loan)
    if payoff:
        when = min(on + timedelta(days=later), loan.maturity_date)
        quote = loan_payoff_quote(loan=reload(loan), on=when)
        loan_pay_off(
            loan=reload(loan),
            amount=quote.total,
            value_date=when,
            business_date=when,
            idempotency_key=f"off:{loan.pk}",
        )
        assert reload(loan).status == "paid_off"
    else:
        close_steps(loan.maturity_date, "accrual", loan=loan)
    loan = reload(loan)
    assert deferred_left(loan) == 0 and loan.yield_amortized == deferred
    amortized = (
        JournalLine.objects.filter(loan_id=loan.pk, account__code="1305")
        .exclude(entry__kind="disbursement")
        .aggregate(total=Sum("debit") - Sum("credit"))["total"]
    )
    assert amortized == deferred
    assert_books_consistent(loan)


def test_the_close_books_the_respread_plan_across_a_modification():
    # given a weekly 3-installment loan made on the business date with a 5.00 fee declared yield
    start = business_date_current()
    loan = make_active_loan(
        "3000.00", 3, start, frequency="weekly", upfront_fee_amount=D("5.00"), **FEE_YIELD
    )
    first = schedule(loan)[0]
    close_until(first.due_date)
    pay_rows(loan, 1)
    # when a holiday of one installment is applied on the first due date, the close running
    # every day before and after it
    holiday = modify(reload(loan), "payment_holiday", on=first.due_date, installments=1)
    assert holiday.yield_respread > 0
    original_maturity = start + timedelta(weeks=3)
    close_until(original_maturity + timedelta(days=1))
    # then at the original maturity a week's share is still deferred
    assert deferred_left(loan) == sum(
        (row.yield_amortization for row in schedule(loan) if row.period_start >= original_maturity),
        D(0),
    )
    assert deferred_left(loan) != 0
    new_maturity = reload(loan).maturity_date
    assert new_maturity == start + timedelta(weeks=4)
    close_until(new_maturity + timedelta(days=1))
    loan = reload(loan)
    assert deferred_left(loan) == 0 and loan.yield_amortized == loan.deferred_yield == D("5.00")
    assert_books_consistent(loan)


def test_the_admin_shows_the_eir_before_and_after_and_the_amount_respread(client):
    loan = paid_through_month_4()
    holiday = modify(loan, "payment_holiday", installments=2)
    admin = get_user_model().objects.create_superuser("auditor", "a@example.com", "pw")
    client.force_login(admin)
    page = client.get(f"/admin/loans/loanmodification/{holiday.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "0.148356833030" in text and "0.139601345972" in text and "56.97" in text


def test_a_re_age_respreads_over_the_rebuilt_rows_including_the_capitalized_arrears():
    # given the fee loan (act/360) with rows 1–3 paid, May 15 and Jun 15 missed, on Jun 20
    loan = make_active_loan("12000.00", 12, START, **FEE)
    pay_rows(loan, 3)
    on = date(2026, 6, 20)
    for day in (date(2026, 5, 16), date(2026, 6, 1), date(2026, 6, 16), on):
        close_steps(day, "accrual", "due", "delinquency", "penalties", "states", loan=loan)
    rebuilt = {row.number: row.yield_amortization for row in schedule(loan) if row.number >= 7}
    # when it is re-aged: rows 7–12 (from Jul 15) are rebuilt with the arrears capitalized
    reage = modify(reload(loan), "reage", on=on)
    loan = reload(loan)
    # then what rows 7–12 had still to amortize moves onto the six new rows
    assert reage.yield_respread == sum(rebuilt.values())
    assert planned_total(loan) == D("120.00")
    new = [row for row in schedule(loan) if row.period_start >= date(2026, 7, 15)]
    assert len(new) == 6
    assert sum(row.yield_amortization for row in new) == reage.yield_respread
    assert loan.effective_rate == reage.effective_rate_after != reage.effective_rate_before
    close_steps(loan.maturity_date, "accrual", loan=loan)
    assert deferred_left(loan) == 0 and reload(loan).yield_amortized == D("120.00")
    assert_books_consistent(loan)
