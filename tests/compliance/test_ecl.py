"""The book's ECL: PDs from the month-end captures' roll rates, EAD from the schedule, the stage
from the close's staging."""

from datetime import date
from decimal import Decimal

import pytest

from calc.ecl import expected_credit_loss
from calc.money import Rounding
from compliance.ecl import ecl_measure, roll_counts
from compliance.models import LoanMonthEnd, LoanStage, MonthEndCapture
from loans.models import Loan
from tests.lifecycle.factories import make_active_loan, reload

pytestmark = pytest.mark.django_db
D = Decimal
START = date(2026, 1, 15)
CENT = Rounding("half_up", D("0.01"))


def capture(month_end, loan, status, bucket):
    MonthEndCapture.objects.get_or_create(
        month_end=month_end, defaults={"source": "live", "business_date": month_end}
    )
    LoanMonthEnd.objects.create(
        month_end=month_end,
        loan=loan,
        product_id=loan.product_id,
        currency="CNY",
        status=status,
        delinquency_bucket=bucket,
        risk_category="normal",
        bureau_status="N",
    )


def test_roll_rates_are_counted_from_consecutive_month_end_captures():
    loans = [make_active_loan() for _ in range(4)]
    for loan in loans:
        capture(date(2026, 1, 31), loan, "active", "current")
    # a month later: two current, one late, one charged off
    for loan, (status, bucket) in zip(
        loans,
        [
            ("active", "current"),
            ("active", "current"),
            ("delinquent", "1-30"),
            ("charged_off", "180+"),
        ],  # fmt: skip
        strict=True,
    ):
        capture(date(2026, 2, 28), loan, status, bucket)
    counts = roll_counts(as_of=date(2026, 2, 28))[None]
    assert dict(counts) == {
        ("current", "current"): 2,
        ("current", "1-30"): 1,
        ("current", "default"): 1,
    }


def test_a_performing_loan_without_history_takes_the_floor_over_twelve_months(settings):
    settings.ECL_PD_FLOOR = "0.0003"
    settings.ECL_LGD = {"default": "0.45"}
    loan = reload(make_active_loan())
    (result,) = ecl_measure(as_of=START)
    # EAD: 12,000 then the principal left before each installment
    rows = loan.installments.order_by("number")
    exposures, balance = [], D("12000.00")
    for row in rows:
        exposures.append(balance)
        balance -= row.principal_due
    expected = expected_credit_loss(
        stage=1,
        exposures=exposures,
        marginal_pd=[D("0.0003")] * 12,
        lgd=D("0.45"),
        annual_eir=loan.effective_rate,
        rounding=CENT,
    )
    assert (result.stage, result.exposure, result.ecl) == (1, D("12000.00"), expected)
    # about 0.03% × 45% of 6,500 a month on average over a year, discounted: 10.x
    assert D("9") < result.ecl < D("11")


def test_stage_three_is_the_loss_on_todays_exposure():
    loan = make_active_loan()
    LoanStage.objects.create(loan=loan, stage=3, since=START)
    Loan.objects.filter(pk=loan.pk).update(days_past_due=0)
    (result,) = ecl_measure(as_of=START)
    assert result.ecl == D("5400.00")  # 45% of 12,000
