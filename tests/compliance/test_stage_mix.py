"""The admin's stage-mix charts: principal and allowance by IFRS 9 stage at each month end."""

from datetime import date
from decimal import Decimal

import pytest

from compliance.models import LoanMonthEnd, MonthEndCapture, StageChange
from compliance.reports.chart_data import stage_mix
from compliance.reports.charts import report_charts
from ledger.services import business_date_open
from tests.lifecycle.factories import make_active_loan

pytestmark = pytest.mark.django_db
D = Decimal
JAN, FEB = date(2026, 1, 31), date(2026, 2, 28)


def capture(month_end, loan, principal, allowance, status="active"):
    MonthEndCapture.objects.get_or_create(
        month_end=month_end, defaults={"source": "live", "business_date": month_end}
    )
    LoanMonthEnd.objects.create(
        month_end=month_end,
        loan=loan,
        product_id=loan.product_id,
        currency="CNY",
        status=status,
        delinquency_bucket="current",
        risk_category="normal",
        bureau_status="N",
        principal=principal,
        allowance=allowance,
    )


def test_stage_mix_reads_each_month_ends_stage_from_the_log():
    good, bad, never = make_active_loan(), make_active_loan(), make_active_loan()
    StageChange.objects.create(
        loan=good, business_date=JAN, from_stage=None, to_stage=1, reason="x"
    )
    StageChange.objects.create(loan=bad, business_date=JAN, from_stage=None, to_stage=1, reason="x")
    StageChange.objects.create(loan=bad, business_date=FEB, from_stage=1, to_stage=3, reason="x")
    for month_end in (JAN, FEB):
        capture(month_end, good, D("1000.00"), D("10.00"))
        capture(month_end, bad, D("500.00"), D("200.00"))
        capture(month_end, never, D("300.00"), D("3.00"))
    capture(FEB, make_active_loan(), D("999.00"), D("0"), status="paid_off")
    mix = stage_mix(FEB, "CNY")
    assert mix == {
        "2026-01": {1: (D("1800.00"), D("213.00"))},
        "2026-02": {1: (D("1300.00"), D("13.00")), 3: (D("500.00"), D("200.00"))},
    }


def test_the_admin_charts_draw_the_stage_mix():
    # The books open on 1 February first: making the loan reads the business date (its
    # lending checks do), which would open them on the settings' initial date instead.
    business_date_open(on=date(2026, 2, 1))
    loan = make_active_loan()
    StageChange.objects.create(
        loan=loan, business_date=JAN, from_stage=None, to_stage=2, reason="x"
    )
    capture(JAN, loan, D("1234.00"), D("56.00"))
    charts = report_charts()
    assert "stage 2 2026-01: 1234.00" in charts["stage_exposure"]
    assert "stage 2 2026-01: 56.00" in charts["stage_allowance"]
