"""Re-aging: a delinquent loan brought current by capitalizing its arrears, under the rules.

The loan: 12,000 over 12 months at 12%, installments of 1,066.19 from Feb 15, 2026. Three are
paid on time; May 15 and Jun 15 are missed. On Jun 20 the overdue rows are
May 15 (#4) and Jun 15 (#5); the period Jun 15–Jul 15 (#6) has started and stays; rows 7–12
(from Jul 15) are rebuilt over their 6 periods for their principal plus the arrears.
"""

from datetime import date
from decimal import Decimal

import pytest

from ledger.selectors import loan_balances
from loans.errors import LoanRuleError
from loans.models import Installment
from loans.services.modifications import modification_approve, modification_request
from loans.services.repayments import loan_repay

from ..lifecycle.factories import (
    assert_books_consistent,
    close_steps,
    make_active_loan,
    reload,
    schedule,
)

pytestmark = pytest.mark.django_db
D = Decimal
ON = date(2026, 6, 20)
DUE = [date(2026, 2, 15), date(2026, 3, 15), date(2026, 4, 15)]


def behind(paid=3):
    loan = make_active_loan()
    for number, day in enumerate(DUE[:paid]):
        loan_repay(
            loan=reload(loan),
            amount=D("1066.19"),
            value_date=day,
            business_date=day,
            idempotency_key=f"{loan.pk}:{number}",
        )
    for day in (date(2026, 5, 16), date(2026, 6, 1), date(2026, 6, 16), ON):
        close_steps(day, "accrual", "due", "delinquency", "penalties", "states", loan=loan)
    return reload(loan)


def reage(loan, on=ON):
    return modification_request(
        loan=loan,
        kind="reage",
        effective_date=on,
        parameters={},
        business_date=on,
        requested_by="maker",
        reason="back at work",
    )


def test_a_re_age_capitalizes_the_arrears_and_brings_the_loan_current():
    loan = behind()
    assert loan.status == "delinquent" and loan.days_past_due == 36
    overdue = [row for row in schedule(loan) if row.number in (4, 5)]
    penalty = sum(row.penalty_due for row in overdue)
    interest = sum(row.interest_due for row in overdue)
    principal_before = loan_balances(loan_id=loan.pk, currency="CNY")["1303"]
    rest = sum(row.principal_due for row in schedule(loan) if row.number >= 7)
    arrears_principal = sum(row.principal_due for row in overdue)
    applied = modification_approve(modification=reage(loan), checker="checker", business_date=ON)
    # the arrears' interest and penalty are made principal: Dr 1303 / Cr 1132, 1134
    balances = loan_balances(loan_id=loan.pk, currency="CNY")
    assert balances["1303"] == principal_before + interest + penalty
    assert balances.get("1134", D(0)) == 0
    assert len(applied.entry_ids) == 1
    rows = schedule(loan)
    assert [row.status for row in rows if row.number in (4, 5)] == ["paid", "paid"]
    new = [row for row in rows if row.period_start >= date(2026, 7, 15)]
    assert len(new) == 6
    assert sum(row.principal_due for row in new) == rest + arrears_principal + interest + penalty
    close_steps(
        date(2026, 6, 21), "accrual", "due", "delinquency", "penalties", "states", loan=loan
    )
    assert (reload(loan).days_past_due, reload(loan).status) == (0, "active")
    assert_books_consistent(loan)


def test_a_second_re_age_within_twelve_months_is_refused_by_its_rule():
    loan = behind()
    modification_approve(modification=reage(loan), checker="checker", business_date=ON)
    later = date(2026, 7, 20)
    close_steps(later, "accrual", "due", "delinquency", "penalties", "states", loan=loan)
    with pytest.raises(LoanRuleError, match="rule 'once in 12 months'"):
        reage(reload(loan), on=later)


def test_without_three_consecutive_qualifying_payments_it_is_refused_by_its_rule():
    loan = behind(paid=2)
    with pytest.raises(LoanRuleError, match="rule '3 consecutive qualifying payments'"):
        reage(loan)
    assert Installment.objects.filter(loan=loan, status="cancelled").count() == 0


def test_a_current_loan_has_nothing_to_re_age():
    loan = make_active_loan()
    with pytest.raises(LoanRuleError, match="no overdue installment"):
        reage(loan, on=date(2026, 1, 20))


def test_a_payment_dated_before_a_re_age_replays_across_it():
    """May 15 paid late, recorded after the re-age but dated May 20 (its 1,066.19 plus the
    2.12 of penalty booked on it): the re-age is unwound, the payment applied on May 20 and the
    re-age applied again — it now capitalizes Jun 15 only."""
    loan = behind()
    applied = modification_approve(modification=reage(loan), checker="checker", business_date=ON)
    assert applied.change["generation"] == 1 and len(applied.change["restated"]) == 2
    loan_repay(
        loan=reload(loan),
        amount=D("1068.31"),
        value_date=date(2026, 5, 20),
        business_date=date(2026, 6, 22),
        idempotency_key="back-dated",
    )
    again = Installment.objects.get(loan=loan, number=4)
    assert (again.status, again.paid_on) == ("paid", date(2026, 5, 20))
    assert again.principal_paid == again.principal_due > 0  # paid, not capitalized
    replayed = reload(loan).modifications.get()
    assert replayed.change["generation"] == 2
    assert list(replayed.change["restated"]) == [
        str(Installment.objects.get(loan=loan, number=5).pk)
    ]
    assert_books_consistent(loan)


def test_a_back_dated_payment_the_re_age_rules_then_refuse_changes_nothing():
    """A 100.00 dated Mar 1 breaks the run of qualifying payments: applied again, the re-age is
    refused by its rule, and so is the payment."""
    loan = behind()
    modification_approve(modification=reage(loan), checker="checker", business_date=ON)
    before = [(row.pk, row.status, row.principal_due) for row in schedule(loan)]
    with pytest.raises(LoanRuleError, match="rule '3 consecutive qualifying payments'"):
        loan_repay(
            loan=reload(loan),
            amount=D("100.00"),
            value_date=date(2026, 3, 1),
            business_date=date(2026, 6, 22),
            idempotency_key="back-dated",
        )
    assert [(row.pk, row.status, row.principal_due) for row in schedule(loan)] == before
    assert_books_consistent(loan)
