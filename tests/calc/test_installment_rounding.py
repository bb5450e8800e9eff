"""Installment rounding (cent, whole unit, multiple of N; up, half-up, down), the "level
installment rounded once" convention and the compounding bullet.

Golden cases are derived by hand from the formulas (each docstring shows the derivation);
hypothesis checks the invariants for every option: principal sums exactly to the amount, every
level installment keeps the rounding, the last installment absorbs the rest and is never
negative.
"""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.money import InstallmentRounding, MoneyError
from calc.schedules import ScheduleError, ScheduleTerms, build_schedule

D = Decimal
START = date(2026, 1, 15)


def schedule(**overrides):
    terms = {
        "principal": D("1000.00"),
        "annual_rate": D("0.12"),
        "term": 3,
        "start_date": START,
    }
    terms.update(overrides)
    return build_schedule(ScheduleTerms(**terms))


def rows(result):
    return [(row.principal, row.interest, row.total) for row in result.installments]


def test_the_spec_parses_and_round_trips():
    assert InstallmentRounding.parse("cent").is_minor_unit
    assert InstallmentRounding.parse(None).is_minor_unit
    assert InstallmentRounding.parse("whole_unit:up").spec == "whole_unit:up"
    assert InstallmentRounding.parse("multiple:100:down").spec == "multiple:100:down"
    assert InstallmentRounding.parse("multiple:0.05").spec == "multiple:0.05"
    rounding = InstallmentRounding.parse("multiple:10:half_up")
    assert rounding.apply(D("1234.99"), D("0.01"), "down") == D("1230.00")
    assert InstallmentRounding.parse("cent").apply(D("1.005"), D("0.01"), "down") == D("1.00")
    for bad, words in [
        ("quarter", "unit"),
        ("whole_unit:sideways", "mode"),
        ("multiple", "multiple:N"),
        ("multiple:-5", "positive"),
        ("cent:up:down", "UNIT:MODE"),
    ]:
        with pytest.raises(MoneyError, match=words):
            InstallmentRounding.parse(bad)
    with pytest.raises(MoneyError, match="minor unit"):
        InstallmentRounding.parse("multiple:0.005").step(D("0.01"))
    with pytest.raises(MoneyError, match="minor unit"):
        InstallmentRounding.parse("multiple:0.5").step(D("1"))  # yen have no half


def test_equal_installment_rounded_to_whole_yuan_up():
    """1 000.00 at 12% over 3 months: i = 0.01, PMT = 1000 × 0.01 × 1.01³ / (1.01³ − 1) =
    10.30301 / 0.030301 = 340.0221…, rounded up to a whole yuan: 341.00.
    Row 1: interest 1000 × 0.01 = 10.00, principal 331.00, balance 669.00.
    Row 2: interest 6.69, principal 334.31, balance 334.69.
    Row 3 absorbs: principal 334.69, interest 3.3469 → 3.35, total 338.04."""
    result = schedule(installment_rounding="whole_unit:up")
    assert result.level_amount == D("341.00")
    assert rows(result) == [
        (D("331.00"), D("10.00"), D("341.00")),
        (D("334.31"), D("6.69"), D("341.00")),
        (D("334.69"), D("3.35"), D("338.04")),
    ]


def test_equal_installment_in_multiples_of_ten_down():
    """The same loan in multiples of 10, rounded down: 340.0221… → 340.00.
    Row 1: 10.00 interest, 330.00 principal, balance 670.00; row 2: 6.70, 333.30, balance 336.70;
    row 3 absorbs: 336.70 + 3.367 → 3.37 = 340.07."""
    result = schedule(installment_rounding="multiple:10:down")
    assert result.level_amount == D("340.00")
    assert rows(result)[2] == (D("336.70"), D("3.37"), D("340.07"))


def test_rounded_once_keeps_the_last_installment_level():
    """PMT 340.0221… rounded once to 340.02. Rows 1-2 as usual (10.00 + 330.02, 6.70 + 333.32),
    leaving 336.66. Under last_absorbs the last pays 336.66 + 3.3666 → 3.37 = 340.03; rounded
    once it pays 340.02 again: principal 336.66, interest 340.02 − 336.66 = 3.36 (the cent of
    rounding residue is the lender's)."""
    absorbs = schedule()
    once = schedule(level_convention="rounded_once")
    assert rows(absorbs)[2] == (D("336.66"), D("3.37"), D("340.03"))
    assert rows(once)[2] == (D("336.66"), D("3.36"), D("340.02"))
    assert [row.total for row in once.installments] == [D("340.02")] * 3


def test_rounded_once_never_makes_the_last_negative():
    """100.00 over 3 periods at 0%: 33.333… → 33.33 three times repays only 99.99, so the last
    installment pays the 33.34 left (no interest) rather than a negative interest of −0.01."""
    result = schedule(principal=D("100.00"), annual_rate=D(0), level_convention="rounded_once")
    assert rows(result)[2] == (D("33.34"), D("0.00"), D("33.34"))


def test_flat_fee_plan_in_whole_yuan():
    """12 000.00 over 7 months at a fee of 0.6% a month: principal 12000/7 = 1714.2857… →
    1714.00 half-up to a whole yuan; the fee 12000 × 0.006 = 72.00 a month; the 7th takes
    12000 − 6 × 1714 = 1716.00."""
    result = schedule(
        principal=D("12000.00"),
        annual_rate=D(0),
        term=7,
        method="flat_fee",
        fee_rate=D("0.006"),
        installment_rounding="whole_unit",
    )
    assert [row.principal for row in result.installments] == [D("1714.00")] * 6 + [D("1716.00")]
    assert {row.fee for row in result.installments} == {D("72.00")}


def test_bullet_compounding_monthly():
    """10 000.00 at 12% for 12 months: simple interest 10000 × 0.12 = 1 200.00; compounded at
    each month end 10000 × (1.01¹² − 1) = 10000 × 0.126825030… = 1 268.25."""
    simple = schedule(principal=D("10000.00"), term=12, method="bullet")
    compound = schedule(
        principal=D("10000.00"), term=12, method="bullet", bullet_interest="compound_monthly"
    )
    assert simple.installments[0].interest == D("1200.00")
    assert compound.installments[0].interest == D("1268.25")
    assert compound.installments[0].total == D("11268.25")


def test_bullet_compounding_with_an_odd_first_period():
    """1 000.00 at 12% from 15 January, first period end 1 March (45 days, ACT/360), then one
    regular month: 1000 × (1 + 0.12 × 45/360) × (1 + 0.01) − 1000 = 1000 × 1.015 × 1.01 − 1000
    = 25.15 (simple: 15.00 + 10.00 = 25.00)."""
    result = schedule(
        term=2,
        method="bullet",
        first_due_date=date(2026, 3, 1),
        bullet_interest="compound_monthly",
    )
    assert result.installments[0].interest == D("25.15")


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"method": "bullet", "installment_rounding": "whole_unit"}, "no"),
        ({"method": "interest_only", "installment_rounding": "multiple:10"}, "no"),
        ({"method": "equal_principal", "level_convention": "rounded_once"}, "equal installments"),
        ({"installment_rounding": "whole_unit", "level_convention": "rounded_once"}, "minor"),
        ({"bullet_interest": "compound_monthly"}, "bullet loans only"),
        (
            {"method": "bullet", "frequency": "weekly", "bullet_interest": "compound_monthly"},
            "monthly",
        ),
        ({"installment_rounding": "multiple:0.001"}, "minor unit"),
        ({"level_convention": "sideways"}, "level convention"),
        ({"principal": D("150.00"), "installment_rounding": "multiple:100:up"}, "finer"),
    ],
)
def test_incoherent_options_are_refused(overrides, words):
    with pytest.raises(ScheduleError, match=words):
        schedule(**overrides)


ROUNDINGS = st.sampled_from(
    [
        "cent",
        "cent:up",
        "cent:down",
        "whole_unit",
        "whole_unit:up",
        "whole_unit:down",
        "multiple:10",
        "multiple:10:up",
        "multiple:100:down",
        "multiple:0.05:half_up",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    principal=st.integers(min_value=50_000, max_value=200_000_000).map(
        lambda cents: D(cents) / 100
    ),
    rate_bp=st.integers(min_value=0, max_value=3600),
    term=st.integers(min_value=1, max_value=60),
    method=st.sampled_from(["equal_installment", "equal_principal", "flat_fee"]),
    rounding=ROUNDINGS,
    fee_bp=st.integers(min_value=0, max_value=80),
)
def test_every_rounding_keeps_the_schedule_exact(
    principal, rate_bp, term, method, rounding, fee_bp
):
    """Principal sums exactly to the amount; every level installment (all but the last) is a
    whole number of rounding steps; the last absorbs the rest and is never negative."""
    rate = D(0) if method == "flat_fee" else D(rate_bp) / 10000
    try:
        result = schedule(
            principal=principal,
            annual_rate=rate,
            term=term,
            method=method,
            installment_rounding=rounding,
            fee_rate=D(fee_bp) / 10000,
        )
    except ScheduleError as exc:
        # Only a step too coarse for the amount may be refused, and it says so.
        assert "finer" in str(exc) or "rounding step" in str(exc)
        return
    step = InstallmentRounding.parse(rounding).step(D("0.01"))
    installments = result.installments
    assert sum((row.principal for row in installments), D(0)) == principal
    assert installments[-1].remaining_principal == 0
    for row in installments[:-1]:
        level = row.total - row.fee if method == "equal_installment" else row.principal
        assert level == result.level_amount
        assert level % step == 0
    last = installments[-1]
    assert last.principal >= 0 and last.interest >= 0 and last.total >= 0
    for row in installments:
        assert row.total == row.principal + row.interest + row.fee


@settings(max_examples=100, deadline=None)
@given(
    principal=st.integers(min_value=100, max_value=20_000_000),
    rate_bp=st.integers(min_value=0, max_value=3600),
    term=st.integers(min_value=1, max_value=120),
    mode=st.sampled_from(["cent", "cent:up", "cent:down", "cent:half_up"]),
)
def test_rounded_once_installments_are_level_and_exact(principal, rate_bp, term, mode):
    """Rounded once: every installment is the level payment, the last too unless the payment
    does not cover the principal left (then it pays exactly that); principal sums exactly."""
    amount = D(principal) / 100
    try:
        result = schedule(
            principal=amount,
            annual_rate=D(rate_bp) / 10000,
            term=term,
            installment_rounding=mode,
            level_convention="rounded_once",
        )
    except ScheduleError as exc:
        assert "rounded once" in str(exc)
        return
    rows_ = result.installments
    assert sum((row.principal for row in rows_), D(0)) == amount
    assert all(row.total == result.level_amount for row in rows_[:-1])
    last = rows_[-1]
    assert last.interest >= 0
    assert last.total == result.level_amount or (
        last.total == last.principal and last.principal > result.level_amount
    )


@settings(max_examples=60, deadline=None)
@given(
    principal=st.integers(min_value=100, max_value=100_000_000),
    rate_bp=st.integers(min_value=0, max_value=3600),
    term=st.integers(min_value=1, max_value=120),
)
def test_compound_bullet_interest_is_the_compounded_balance(principal, rate_bp, term):
    """Regular monthly periods: interest = P × (1 + r/12)^n − P, rounded once half-up, never
    below the simple interest P × r × n / 12 rounded the same way."""
    amount = D(principal) / 100
    rate = D(rate_bp) / 10000
    compound = schedule(
        principal=amount,
        annual_rate=rate,
        term=term,
        method="bullet",
        bullet_interest="compound_monthly",
    )
    simple = schedule(principal=amount, annual_rate=rate, term=term, method="bullet")
    row = compound.installments[0]
    expected = (amount * (1 + rate / 12) ** term - amount).quantize(D("0.01"))
    assert abs(row.interest - expected) <= D("0.01")  # the reference uses a rounded rate
    assert row.interest >= simple.installments[0].interest
    assert row.principal == amount and row.total == amount + row.interest
