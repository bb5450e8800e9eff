"""The effective-interest method: golden cases worked by hand and the exactness properties."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.effective_interest import (
    EffectiveInterestError,
    EirPeriod,
    effective_interest_schedule,
)
from calc.money import Rounding

D = Decimal
CENT = Rounding("half_up", D("0.01"))


def test_a_fee_bearing_loan_amortizes_its_fee_by_the_eir():
    # given 3,000 repaid in three monthly (30/360) equal principal parts at 1% a month on the
    # balance (interest 30, 20, 10) and a 30.00 fee withheld: carrying amount 2,970.00
    periods = [EirPeriod(30, D(1030), D(30)), EirPeriod(30, D(1020), D(20)),
               EirPeriod(30, D(1010), D(10))]  # fmt: skip
    # when the EIR is solved
    plan = effective_interest_schedule(
        recognized=D(3000), deferred=D(30), periods=periods, basis=360, rounding=CENT
    )
    # then the monthly EIR i solves 1030/(1+i) + 1020/(1+i)² + 1010/(1+i)³ = 2970:
    # i = 1.5126367358…%, (1+i)^12 − 1 = 19.7405646647% a year
    assert plan.annual_rate == D("0.197405646647")
    # and each period's EIR income less its contractual interest: 2970 i − 30 = 14.925…,
    # (1984.925… × i) − 20 = 10.025…, the rest 5.05; cumulative rounding, last takes the rest
    assert plan.amortization == (D("14.93"), D("10.02"), D("5.05"))
    assert plan.carrying == (D("1984.93"), D("994.95"), D("0.00"))


def test_a_subsidized_zero_rate_plan_turns_the_subsidy_into_interest_by_the_eir():
    # given 1,200 at 0% repaid 100 a month for 12 months and a merchant subsidy of 60.00
    periods = [EirPeriod(30, D(100), D(0))] * 12
    plan = effective_interest_schedule(
        recognized=D(1200), deferred=D(60), periods=periods, basis=360, rounding=CENT
    )
    # then the EIR solves 100 × a(12, i) = 1,140: i = 0.79808742775% a month, 10.0088186853% a
    # year, and the income of each month is the carrying amount × i (1140 × i = 9.098…)
    assert plan.annual_rate == D("0.100088186853")
    assert plan.amortization == tuple(
        D(x)
        for x in [
            "9.10",
            "8.37",
            "7.64",
            "6.91",
            "6.16",
            "5.41",
            "4.66",
            "3.89",
            "3.13",
            "2.36",
            "1.58",
            "0.79",
        ]
    )
    assert sum(plan.amortization) == D("60.00")
    assert plan.carrying[0] == D("1049.10") and plan.carrying[-1] == D("0.00")


def test_nothing_deferred_and_no_interest_is_a_zero_rate():
    plan = effective_interest_schedule(
        recognized=D(300),
        deferred=D(0),
        periods=[EirPeriod(30, D(100), D(0))] * 3,
        basis=360,
        rounding=CENT,
    )
    assert plan.annual_rate == 0 and plan.amortization == (0, 0, 0)


def test_net_direct_costs_lower_the_yield():
    # given costs above the fees: 30.00 of net cost on the 3,000 loan above
    periods = [EirPeriod(30, D(1030), D(30)), EirPeriod(30, D(1020), D(20)),
               EirPeriod(30, D(1010), D(10))]  # fmt: skip
    plan = effective_interest_schedule(
        recognized=D(3000), deferred=D(-30), periods=periods, basis=360, rounding=CENT
    )
    # then the EIR is below the contractual 1% a month and income is reduced by 30.00 in all
    assert plan.annual_rate < D("0.1268250301")  # 1.01^12 − 1
    assert sum(plan.amortization) == D("-30.00") and plan.carrying[-1] == 0


@pytest.mark.parametrize(
    ("recognized", "deferred", "message"),
    [(D(300), D(0), "repay"), (D(200), D(200), "carrying")],
)
def test_flows_that_do_not_add_up_are_refused(recognized, deferred, message):
    periods = [EirPeriod(30, D(100), D(0))] * 2
    with pytest.raises(EffectiveInterestError, match=message):
        effective_interest_schedule(
            recognized=recognized, deferred=deferred, periods=periods, basis=360, rounding=CENT
        )


money = st.decimals(min_value=D("100"), max_value=D("500000"), places=2)


@st.composite
def schedules(draw):
    """An amortizing schedule: principal split over 1–60 periods of 28–31 days, interest at a
    monthly rate on the balance, and a fee below a fifth of the principal."""
    principal = draw(money)
    terms = draw(st.integers(min_value=1, max_value=60))
    monthly = draw(st.decimals(min_value=D("0"), max_value=D("0.03"), places=4))
    part = (principal / terms).quantize(D("0.01"))
    periods, balance = [], principal
    for number in range(terms):
        pay = balance if number == terms - 1 else part
        interest = (balance * monthly).quantize(D("0.01"))
        days = draw(st.integers(min_value=28, max_value=31))
        periods.append(EirPeriod(days, pay + interest, interest))
        balance -= pay
    fee = draw(st.decimals(min_value=D("0"), max_value=principal / 5, places=2))
    return principal, fee, periods


@settings(max_examples=60, deadline=None)
@given(schedules(), st.sampled_from([360, 365]))
def test_amortization_sums_exactly_to_the_deferred_amount_and_runs_off_at_maturity(case, basis):
    principal, fee, periods = case
    plan = effective_interest_schedule(
        recognized=principal, deferred=fee, periods=periods, basis=basis, rounding=CENT
    )
    assert sum(plan.amortization) == fee
    assert plan.carrying[-1] == 0
    # and the carrying amount (principal less what is still deferred) stays positive until then
    assert all(carrying > 0 for carrying in plan.carrying[:-1])
