"""The book's ECL: PDs from the month-end captures' roll rates, EAD from the schedule, the stage
from the close's staging."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from calc.ecl import expected_credit_loss
from calc.money import Rounding
from compliance.ecl import ecl_measure, roll_counts
from compliance.models import LoanMonthEnd, LoanStage, MonthEndCapture, RollCount
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


def test_a_pair_of_captures_is_counted_once_and_counted_again_when_a_month_is_captured_again():
    loans = [make_active_loan() for _ in range(3)]
    for loan in loans:
        capture(date(2026, 1, 31), loan, "active", "current")
        capture(date(2026, 2, 28), loan, "active", "current")
    first = roll_counts(as_of=date(2026, 2, 28))
    assert dict(first[None]) == {("current", "current"): 3}
    products = {loan.product_id for loan in loans}
    assert RollCount.objects.count() == len(products)
    # the month's rows changed behind the capture's back: the kept counts stand
    LoanMonthEnd.objects.filter(month_end=date(2026, 2, 28), loan=loans[0]).update(
        status="delinquent", delinquency_bucket="1-30"
    )
    assert dict(roll_counts(as_of=date(2026, 2, 28))[None]) == {("current", "current"): 3}
    # a month captured again is a new capture: its pairs are counted afresh
    old = MonthEndCapture.objects.get(month_end=date(2026, 2, 28))
    old_id = old.pk
    old.delete()
    MonthEndCapture.objects.create(
        month_end=old.month_end, source="live", business_date=old.month_end
    )
    again = roll_counts(as_of=date(2026, 2, 28))
    assert dict(again[None]) == {("current", "current"): 2, ("current", "1-30"): 1}
    assert RollCount.objects.filter(before__month_end=date(2026, 1, 31)).count() >= len(products)
    assert not RollCount.objects.filter(after_id=old_id).exists()


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


def test_on_the_ifrs9_basis_the_allowance_is_the_ecl_and_the_report_shows_the_reserve(settings):
    from compliance.reports.base import ReportParams
    from compliance.reports.ecl import ecl_report
    from ledger.selectors import loan_balances
    from ledger.services import business_date_open
    from tests.lifecycle.factories import close_steps

    settings.PROVISIONING_BASIS = "ifrs9"
    business_date_open(on=START + timedelta(days=1))
    loan = make_active_loan()
    late = make_active_loan()
    Loan.objects.filter(pk=late.pk).update(days_past_due=40)
    # when the close stages and provisions the book
    close_steps(START, "staging", "provisioning")
    measured = {item.loan_id: item for item in ecl_measure(as_of=START)}
    # then the allowance booked is each loan's ECL (stage 2 lifetime for the late one)
    assert measured[late.pk].stage == 2 and measured[loan.pk].stage == 1
    for item in measured.values():
        assert loan_balances(loan_id=item.loan_id)["1304"] == item.ecl
    # and the report gives ECL by stage beside the five-category provision, and the reserve
    report = ecl_report(params=ReportParams(as_of=START, start=START))
    assert [(row[1], row[2]) for row in report.rows] == [(1, 1), (2, 1)]
    # with the LGD applied, configured while the book has written nothing off
    configured = Decimal(str(settings.ECL_LGD.get(loan.product.code, settings.ECL_LGD["default"])))
    assert {(row[5], row[6]) for row in report.rows} == {(configured, "configured")}
    total_ecl = sum(item.ecl for item in measured.values())
    assert report.totals["ecl"] == total_ecl == report.totals["allowance_booked"]
    # five-category: normal 0% on the current loan... whatever the policy, the reserve is the
    # excess of the regulator's figure over the ECL, never negative
    required = report.totals["five_category_required"]
    assert report.totals["regulatory_reserve"] == max(required - total_ecl, D(0))
    assert report.totals["basis"] == "ifrs9"


def test_the_report_sums_each_loans_ecl_and_its_five_category_provision_on_its_principal():
    from compliance.reports.base import ReportParams
    from compliance.reports.ecl import ecl_report
    from compliance.selectors import classification_policies
    from ledger.selectors import loan_balances
    from ledger.services import business_date_open

    business_date_open(on=START + timedelta(days=1))
    loans = [make_active_loan() for _ in range(5)]
    Loan.objects.filter(pk=loans[1].pk).update(days_past_due=40, risk_category="special_mention")
    Loan.objects.filter(pk=loans[3].pk).update(days_past_due=120, risk_category="substandard")
    report = ecl_report(params=ReportParams(as_of=START, start=START))
    # the same figures loan by loan: the ECL measured, the provision on the principal booked
    policies = classification_policies()
    expected = {}
    for item in ecl_measure(as_of=START):
        loan = Loan.objects.select_related("product").get(pk=item.loan_id)
        required = policies[loan.product.product_type].required_allowance(
            loan_balances(loan_id=loan.pk)["1303"], loan.risk_category
        )
        key = (loan.product.code, item.stage)
        count, ecl, provision = expected.get(key, (0, D(0), D(0)))
        expected[key] = (count + 1, ecl + item.ecl, provision + required)
    assert {row[:2]: (row[2], row[4], row[7]) for row in report.rows} == expected
    assert {stage for _, stage in expected} == {1, 3} and report.totals["loans"] == 5
    assert report.totals["five_category_required"] > 0


def test_the_loans_streamed_in_sql_match_the_portable_read():
    from django.db.models import F

    from compliance.ecl import _loans, _loans_portable
    from ledger.selectors import loan_balances
    from loans.models import Installment

    paid, partial = make_active_loan(), make_active_loan()
    Installment.objects.filter(loan=paid, number=1).update(
        status=Installment.Status.PAID, principal_paid=F("principal_due")
    )
    Installment.objects.filter(loan=partial, number=2).update(
        principal_paid=D("100.00"), interest_accrued=D("12.34")
    )
    LoanStage.objects.create(loan=partial, stage=2, since=START)
    Loan.objects.filter(pk=partial.pk).update(risk_category="special_mention")
    settled = make_active_loan()
    Installment.objects.filter(loan=settled).update(status=Installment.Status.PAID)
    loans = Loan.objects.filter(pk__in=[paid.pk, partial.pk, settled.pk])
    streamed = list(_loans(loans))
    assert streamed == list(_loans_portable(loans))
    profiles = {row[0]: row[9] for row in streamed}
    assert [row[8] for row in streamed] == [None, 2, None]  # the stage held
    assert len(profiles[paid.pk]) == 11 and len(profiles[partial.pk]) == 12
    assert profiles[partial.pk][0] == D("12000.00") - D("100.00") + D("12.34")
    assert (
        profiles[partial.pk][-1] == Installment.objects.get(loan=partial, number=12).principal_due
    )
    assert profiles[settled.pk] == []
    assert {row[10] for row in streamed} == {()}
    # with the classification: the product type, the risk category, the principal booked
    classified = list(_loans(loans, classified=True))
    assert classified == list(_loans_portable(loans, classified=True))
    assert [row[:10] for row in classified] == [row[:10] for row in streamed]
    product_type = paid.product.product_type
    assert [row[10] for row in classified] == [
        (product_type, category, loan_balances(loan_id=loan.pk)["1303"])
        for loan, category in ((paid, "normal"), (partial, "special_mention"), (settled, "normal"))
    ]


def test_the_principal_read_with_the_loans_is_on_its_accounts_normal_side(monkeypatch):
    import compliance.ecl
    import loans.eod.common
    from compliance.ecl import _loans, _loans_portable
    from ledger.selectors import loan_balances

    loan = make_active_loan()
    booked = loan_balances(loan_id=loan.pk)["1303"]
    accounts = loans.eod.common.accounts_by_id()
    credit_normal = {pk: (code, code == "1303" or side) for pk, (code, side) in accounts.items()}
    for module in (compliance.ecl, loans.eod.common):
        monkeypatch.setattr(module, "accounts_by_id", lambda: credit_normal)
    loan_set = Loan.objects.filter(pk=loan.pk)
    ((*_, (_, _, streamed)),) = _loans(loan_set, classified=True)
    ((*_, (_, _, portable)),) = _loans_portable(loan_set, classified=True)
    assert streamed == portable == -booked != 0


def test_the_measure_on_the_portable_read_is_the_measure_on_the_sql_stream(monkeypatch):
    import compliance.ecl

    loans = [make_active_loan() for _ in range(4)]
    Loan.objects.filter(pk=loans[1].pk).update(days_past_due=40)
    Loan.objects.filter(pk=loans[2].pk).update(days_past_due=120)
    LoanStage.objects.create(loan=loans[3], stage=2, since=START)
    streamed = ecl_measure(as_of=START)
    monkeypatch.setattr(compliance.ecl, "_loans", compliance.ecl._loans_portable)
    assert ecl_measure(as_of=START) == streamed
    assert [item.stage for item in streamed] == [1, 1, 3, 2]


def test_the_measure_leaves_the_callers_decimal_precision_as_it_found_it(monkeypatch):
    import decimal

    import compliance.ecl

    monkeypatch.setattr(compliance.ecl, "STREAM_ROWS", 1)
    for _ in range(3):
        make_active_loan()
    precision = decimal.getcontext().prec
    seen = [decimal.getcontext().prec for _ in compliance.ecl.ecl_stream(as_of=START)]
    assert seen == [precision] * 3 and decimal.getcontext().prec == precision


def test_each_loans_loss_is_summed_to_the_loss_precision(settings, monkeypatch):
    import compliance.ecl
    from calc.ecl import loss_precision, loss_weights, weighted_sum

    settings.ECL_PD_FLOOR = "0.0003"
    settings.ECL_LGD = {"default": "0.45"}
    # rounded to 30 places, the loss shows every digit of its 34 (28 would not hold it)
    fine = Rounding("half_up", D("1e-30"))
    monkeypatch.setattr(compliance.ecl, "_rounding", lambda mode, currency: fine)
    loan = reload(make_active_loan())
    (result,) = ecl_measure(as_of=START)
    exposures, balance = [], D("12000.00")
    for row in loan.installments.order_by("number"):
        exposures.append(balance)
        balance -= row.principal_due
    weights = loss_weights(
        stage=1,
        months=len(exposures),
        marginal_pd=[D("0.0003")] * 12,
        lgd=D("0.45"),
        annual_eir=loan.effective_rate,
    )
    with loss_precision():
        expected = fine(weighted_sum(weights, exposures))
    assert result.ecl == expected and len(expected.as_tuple().digits) > 28
