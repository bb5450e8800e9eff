"""Loan modifications through the services: quote, maker-checker, apply through the ledger.

The loan: 12,000 over 12 months at 12% (1% a month), equal installments of 1,066.19 from
Feb 15, 2026. The first is paid on Feb 15; on Feb 20 the period Feb 15–Mar 15 has started, so
a modification rebuilds from the Mar 15 period on: rows 3–12, owing 10,098.16 of principal
(12,000 − 946.19 − 955.65).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from loans.errors import LoanRuleError, LoanStateError
from loans.models import LoanModification
from loans.services.modifications import (
    modification_approve,
    modification_quote,
    modification_reject,
    modification_request,
)
from loans.services.repayments import loan_repay
from loans.services.waivers import loan_write_off

from ..lifecycle.factories import (
    ACTOR,
    assert_books_consistent,
    close_steps,
    make_active_loan,
    reload,
    schedule,
)

pytestmark = pytest.mark.django_db
D = Decimal
ON = date(2026, 2, 20)
REST = D("10098.16")


def paid_once():
    loan = make_active_loan()
    loan_repay(
        loan=loan,
        amount=D("1066.19"),
        value_date=date(2026, 2, 15),
        business_date=date(2026, 2, 15),
        idempotency_key=f"first:{loan.pk}",
    )
    close_steps(ON, "accrual", loan=loan)
    return reload(loan)


def request(loan, kind, **parameters):
    return modification_request(
        loan=loan,
        kind=kind,
        effective_date=ON,
        parameters=parameters,
        business_date=ON,
        requested_by="maker",
        reason="lost income",
    )


def test_a_quote_changes_nothing_and_shows_both_schedules():
    loan = paid_once()
    before = [(r.pk, r.status, r.principal_due) for r in schedule(loan)]
    plan = modification_quote(
        loan=loan, kind="reschedule", effective_date=ON, parameters={"term": 16}, business_date=ON
    )
    assert [(r.pk, r.status, r.principal_due) for r in schedule(loan)] == before
    assert plan.rest.principal == REST and plan.rest.start == date(2026, 3, 15)
    assert len(plan.rows_before()) == 10 and len(plan.rows_after()) == 16
    assert plan.installment_before == D("1066.19")
    assert not LoanModification.objects.exists()


def test_term_extension_golden_schedule_and_books():
    # given the loan after its first installment, Feb 20
    loan = paid_once()
    # when the rest (10,098.16 from Mar 15) is stretched over 16 months and approved by a checker
    modification = request(loan, "reschedule", term=16)
    applied = modification_approve(modification=modification, checker="checker", business_date=ON)
    # then the installment is PMT(10,098.16; 1%; 16) = 10,098.16 × 0.01 / (1 − 1.01^−16)
    # = 100.9816 × 1.1725786 / 0.1725786 = 686.1154 → 686.12; the first new row's interest is
    # 1% of 10,098.16 = 100.98, its principal 585.14
    rows = schedule(loan)
    new = [row for row in rows if row.due_date > date(2026, 3, 15)]
    assert len(new) == 16 and new[0].period_start == date(2026, 3, 15)
    assert (new[0].principal_due, new[0].interest_due) == (D("585.14"), D("100.98"))
    assert sum(row.principal_due for row in new) == REST
    assert new[-1].due_date == date(2027, 7, 15)
    assert [row.number for row in rows] == list(range(1, 19))
    assert applied.status == "applied" and applied.checked_by == "checker"
    assert applied.installment_before == D("1066.19") and applied.installment_after == D("686.12")
    # the APR of the rest is the contract rate before and after, to the rounding of the payments
    assert round(applied.apr_before, 4) == round(applied.apr_after, 4) == D("0.1200")
    assert reload(loan).maturity_date == date(2027, 7, 15)
    assert applied.entry_ids == []  # nothing recognized on the rows replaced
    assert_books_consistent(loan)


def test_the_modified_schedule_runs_through_the_close_and_repayments():
    loan = paid_once()
    modification_approve(
        modification=request(loan, "reschedule", term=16), checker="checker", business_date=ON
    )
    loan_repay(
        loan=reload(loan),
        amount=D("1066.19"),
        value_date=date(2026, 3, 15),
        business_date=date(2026, 3, 15),
        idempotency_key="second",
    )
    for day in (date(2026, 3, 31), date(2026, 4, 15)):
        close_steps(day, "accrual", "due", loan=loan)
    assert_books_consistent(loan)
    loan_repay(
        loan=reload(loan),
        amount=D("686.12"),
        value_date=date(2026, 4, 15),
        business_date=date(2026, 4, 15),
        idempotency_key="third",
    )
    paid = next(row for row in schedule(loan) if row.due_date == date(2026, 4, 15))
    assert paid.status == "paid"
    assert_books_consistent(loan)


def test_a_new_installment_keeps_it_and_takes_the_term_it_needs():
    loan = paid_once()
    plan = modification_quote(
        loan=loan,
        kind="reschedule",
        effective_date=ON,
        parameters={"installment": "600.00"},
        business_date=ON,
    )
    # 10,098.16 at 1% a month at 600 a month: n = −ln(1 − 100.9816/600) / ln 1.01 = 18.5 → 19
    # periods (18 of 600 and a last one absorbing the rest), capped by the rest's 10 periods? no:
    # the term it may take is the rest's 10 periods unless a term is given as well.
    assert len(plan.rows_after()) == 10
    plan = modification_quote(
        loan=loan,
        kind="reschedule",
        effective_date=ON,
        parameters={"installment": "600.00", "term": 36},
        business_date=ON,
    )
    rows = plan.rows_after()
    assert len(rows) == 19 and {row["total"] for row in rows[:-1]} == {"600.00"}
    assert sum(D(row["principal"]) for row in rows) == REST


def test_manual_rate_change_rebuilds_at_the_new_rate():
    loan = paid_once()
    modification = request(loan, "rate_change", annual_rate="0.096")
    modification_approve(modification=modification, checker="checker", business_date=ON)
    # PMT(10,098.16; 0.8%; 10) = 80.78528 × 1.0829995 / 0.0829995 = 1,054.7789 → 1,054.78;
    # first interest
    # 10,098.16 × 0.008 = 80.79
    new = [row for row in schedule(loan) if row.due_date > date(2026, 3, 15)]
    assert (new[0].principal_due + new[0].interest_due, new[0].interest_due) == (
        D("1054.78"),
        D("80.79"),
    )
    assert reload(loan).annual_rate == D("0.096")
    assert_books_consistent(loan)


def test_maker_cannot_check_and_the_database_agrees():
    loan = paid_once()
    modification = request(loan, "reschedule", term=16)
    with pytest.raises(LoanRuleError, match="maker-checker"):
        modification_approve(modification=modification, checker="maker", business_date=ON)
    assert reload(loan).maturity_date == date(2027, 1, 15)
    with pytest.raises(IntegrityError), transaction.atomic():
        LoanModification.objects.filter(pk=modification.pk).update(
            checked_by="maker", status="applied"
        )


def test_rejected_or_applied_is_final():
    loan = paid_once()
    modification = request(loan, "reschedule", term=16)
    modification_reject(modification=modification, checker="checker", business_date=ON)
    with pytest.raises(LoanStateError):
        modification_approve(modification=modification, checker="checker", business_date=ON)
    assert len(schedule(loan)) == 12


def test_refusals_change_nothing():
    loan = paid_once()
    with pytest.raises(LoanRuleError, match="on or after the business date"):
        modification_request(
            loan=loan,
            kind="reschedule",
            effective_date=date(2026, 2, 1),
            parameters={"term": 16},
            business_date=ON,
            requested_by="maker",
        )
    with pytest.raises(LoanRuleError, match="whole number"):
        request(loan, "reschedule", term="many")
    with pytest.raises(LoanRuleError, match="Unknown"):
        request(loan, "refinance")
    loan_write_off(loan=loan, business_date=ON, actor=ACTOR, reason="gone")
    with pytest.raises(LoanRuleError, match="charged_off"):
        request(reload(loan), "payment_holiday", installments=2)
    assert not LoanModification.objects.exists()


@pytest.mark.parametrize(
    ("interest", "first_after"),
    [("spread", "1086.37"), ("waive", "1066.18"), ("capitalize", "1087.51")],
)
def test_a_payment_holiday_by_the_product_setting_keeps_the_books(interest, first_after):
    # given a product whose holidays treat the deferred interest by `interest`
    loan = make_active_loan(holiday_interest=interest)
    loan_repay(
        loan=loan,
        amount=D("1066.19"),
        value_date=date(2026, 2, 15),
        business_date=date(2026, 2, 15),
        idempotency_key=f"first:{loan.pk}",
    )
    # when the borrower asks for two months off from the Mar 15 period, and a checker approves
    modification = request(reload(loan), "payment_holiday", installments=2)
    modification_approve(modification=modification, checker="checker", business_date=ON)
    # then Apr 15 and May 15 ask nothing, the term grows by two (golden figures:
    # tests/calc/test_modify_schedules.py) and the books hold through the close and repayments
    rows = [row for row in schedule(loan) if row.due_date > date(2026, 3, 15)]
    assert [row.total_due for row in rows[:2]] == [D("0.00"), D("0.00")]
    assert rows[2].total_due == D(first_after) and rows[-1].due_date == date(2027, 3, 15)
    assert sum(row.principal_due for row in rows) == REST
    loan_repay(
        loan=reload(loan),
        amount=D("1066.19"),
        value_date=date(2026, 3, 15),
        business_date=date(2026, 3, 15),
        idempotency_key="second",
    )
    for day in (date(2026, 4, 15), date(2026, 5, 15), date(2026, 6, 1), date(2026, 6, 15)):
        close_steps(day, "accrual", "due", "delinquency", "penalties", loan=loan)
    assert (reload(loan).days_past_due, reload(loan).status) == (0, "active")
    loan_repay(
        loan=reload(loan),
        amount=D(first_after),
        value_date=date(2026, 6, 15),
        business_date=date(2026, 6, 15),
        idempotency_key="after-holiday",
    )
    assert_books_consistent(loan)


def quote_holiday(loan):
    return modification_quote(
        loan=reload(loan),
        kind="payment_holiday",
        effective_date=ON,
        parameters={"installments": 2},
        business_date=ON,
    )


def test_a_holiday_without_term_extension_when_the_signed_product_says_so():
    loan = make_active_loan(holiday_extends_term=False)
    assert quote_holiday(loan).rows_after()[-1]["due_date"] == "2027-01-15"
    # editing the product after signing changes no loan
    loan.product.holiday_extends_term = True
    loan.product.save()
    assert quote_holiday(loan).rows_after()[-1]["due_date"] == "2027-01-15"
