"""Expected credit loss: staging rules, PD term structures from roll rates, 12-month and
lifetime ECL for a known PD curve (worked by hand)."""

from decimal import Decimal

import pytest

from calc.ecl import (
    Scenario,
    StageInputs,
    expected_credit_loss,
    loss_precision,
    loss_weights,
    marginal_pds,
    pd_term_structure,
    stage_for,
    transition_matrix,
    weighted_loss,
    weighted_sum,
)
from calc.money import Rounding

D = Decimal
CENT = Rounding("half_up", D("0.01"))


@pytest.mark.parametrize(
    ("inputs", "stage"),
    [
        (StageInputs(days_past_due=0), 1),
        (StageInputs(days_past_due=29), 1),
        (StageInputs(days_past_due=30), 2),
        (StageInputs(days_past_due=0, watch_list=True), 2),
        (StageInputs(days_past_due=0, restructured=True), 2),
        (StageInputs(days_past_due=89), 2),
        (StageInputs(days_past_due=90), 3),
        (StageInputs(days_past_due=10, non_accrual=True), 3),
    ],
)
def test_stage_backstops(inputs, stage):
    assert stage_for(inputs)[0] == stage


def test_a_loan_goes_back_to_a_better_stage_only_after_the_cure_period():
    current = StageInputs(days_past_due=0)
    assert stage_for(current, previous=2, cured_days=89, cure_period_days=90) == (
        2,
        "in cure (89 of 90 days)",
    )
    assert stage_for(current, previous=2, cured_days=90, cure_period_days=90)[0] == 1
    # a worse stage applies at once
    assert stage_for(StageInputs(days_past_due=95), previous=1)[0] == 3


def test_pd_term_structure_from_roll_rates():
    # given 100 current loans a month earlier: 90 stayed current, 10 rolled late; of 100 late,
    # 50 cured and 50 defaulted
    counts = {("current", "current"): 90, ("current", "late"): 10, ("late", "current"): 50,
              ("late", "default"): 50}  # fmt: skip
    matrix = transition_matrix(counts, ["current", "late", "default"])
    # then from current: no default in one month; 0.1 × 0.5 in two; + 0.9 × 0.1 × 0.5 in three
    assert pd_term_structure(matrix, "current", 3) == [D("0"), D("0.05"), D("0.095")]
    # marginal PDs with a floor of 0.1% and a downside-weighted overlay
    marginal = marginal_pds(
        [D("0"), D("0.05"), D("0.095")],
        floor=D("0.001"),
        scenarios=[
            Scenario("base", D("0.6"), D("1")),
            Scenario("upside", D("0.1"), D("0.8")),
            Scenario("downside", D("0.3"), D("1.5")),
        ],
    )
    # 0.05 × (0.6 + 0.08 + 0.45) = 0.0565; 0.045 × 1.13 = 0.05085
    assert marginal == [D("0.001"), D("0.0565"), D("0.05085")]


def test_twelve_month_and_lifetime_ecl_for_a_known_pd_curve():
    # given a 24-month exposure running off 2,400, 2,300, …, 100, a 1% PD every month, LGD 50%
    # and an EIR of 1% a month (12.682503013% a year): each month's loss is 0.5% of the exposure,
    # discounted by 1.01^m
    exposures = [D(2400 - 100 * month) for month in range(24)]
    pds = [D("0.01")] * 24
    eir = D("1.01") ** 12 - 1
    twelve = expected_credit_loss(
        stage=1, exposures=exposures, marginal_pd=pds, lgd=D("0.5"), annual_eir=eir, rounding=CENT
    )
    lifetime = expected_credit_loss(
        stage=2, exposures=exposures, marginal_pd=pds, lgd=D("0.5"), annual_eir=eir, rounding=CENT
    )
    # Σ_{m=1..12} 0.005 × (2500 − 100m) / 1.01^m = 104.78; over 24 months 137.83
    assert (twelve, lifetime) == (D("104.78"), D("137.83"))
    # a credit-impaired loan has defaulted: LGD × today's exposure
    impaired = expected_credit_loss(
        stage=3, exposures=exposures, marginal_pd=pds, lgd=D("0.5"), annual_eir=eir, rounding=CENT
    )
    assert impaired == D("1200.00")


def test_scenario_weights_must_sum_to_one():
    with pytest.raises(ValueError, match="sum to 1"):
        marginal_pds([D("0.1")], scenarios=[Scenario("base", D("0.5"), D("1"))])


def test_a_weighted_sum_in_the_loss_precision_is_the_weighted_loss_before_rounding():
    weights = loss_weights(
        stage=2, months=3, marginal_pd=[D("0.0123456789")] * 3, lgd=D("0.45"), annual_eir=D("0.12")
    )
    exposures = [D("98765432.17"), D("65432109.87"), D("32109876.55")]
    with loss_precision():
        total = weighted_sum(weights, exposures)
    fine = Rounding("half_up", D("0.0000000001"))
    assert weighted_loss(weights, exposures, fine) == fine(total)
    assert weighted_loss(weights, exposures, CENT) == CENT(total)
    # the context's default precision (28 digits) would round the sum differently
    assert weighted_sum(weights, exposures) != total
