"""A restructured loan: flagged, at least substandard for its observation period (12 months in
CN), reported with the restructured status code in the credit-bureau month; a rate change is
not a restructuring."""

from datetime import date
from decimal import Decimal

import pytest

from calc.classification import Category, restructured_floor
from compliance.models import LoanMonthEnd
from compliance.reports.month_end import month_end_capture
from loans.services.modifications import modification_approve, modification_request
from loans.services.repayments import loan_repay

from ..lifecycle.factories import close_steps, make_active_loan, reload

pytestmark = pytest.mark.django_db
D = Decimal
ON = date(2026, 2, 20)


def modified(kind, **parameters):
    loan = make_active_loan()
    loan_repay(
        loan=loan,
        amount=D("1066.19"),
        value_date=date(2026, 2, 15),
        business_date=date(2026, 2, 15),
        idempotency_key=f"first:{loan.pk}",
    )
    modification = modification_request(
        loan=reload(loan),
        kind=kind,
        effective_date=ON,
        parameters=parameters,
        business_date=ON,
        requested_by="maker",
    )
    modification_approve(modification=modification, checker="checker", business_date=ON)
    return reload(loan)


def test_the_floor_never_improves_a_worse_category():
    assert restructured_floor(Category.NORMAL) == Category.SUBSTANDARD
    assert restructured_floor(Category.SPECIAL_MENTION) == Category.SUBSTANDARD
    assert restructured_floor(Category.DOUBTFUL) == Category.DOUBTFUL


def test_a_restructured_loan_is_substandard_until_its_observation_period_ends():
    loan = modified("reschedule", term=16)
    assert (loan.restructured_on, loan.restructured_until) == (ON, date(2027, 2, 20))
    close_steps(ON, "provisioning", loan=loan)
    assert reload(loan).risk_category == "substandard"
    close_steps(date(2027, 2, 20), "provisioning", loan=loan)
    assert reload(loan).risk_category == "substandard"
    close_steps(date(2027, 2, 21), "provisioning", loan=loan)
    assert reload(loan).risk_category == "normal"


def test_the_credit_bureau_month_reports_it_as_restructured():
    loan = modified("payment_holiday", installments=2)
    month_end_capture(business_date=date(2026, 2, 28), today=date(2026, 3, 1))
    assert LoanMonthEnd.objects.get(loan_id=loan.pk).bureau_status == "D"


def test_a_rate_change_is_not_a_restructuring():
    loan = modified("rate_change", annual_rate="0.10")
    close_steps(ON, "provisioning", loan=loan)
    assert loan.restructured_until is None and reload(loan).risk_category == "normal"
