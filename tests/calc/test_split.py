"""The funders' split: largest remainder, exact to the cent, deterministic."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc.money import MoneyError
from calc.schedules import Method, ScheduleTerms, build_schedule
from calc.split import largest_remainder, split_components

D = Decimal
THIRDS = [D("0.30"), D("0.45"), D("0.25")]


@pytest.mark.parametrize(
    ("amount", "shares", "parts"),
    [
        # 0.01 × 0.30 / 0.45 / 0.25: only one cent to give, the largest remainder (0.45) takes it.
        (D("0.01"), THIRDS, [D("0"), D("0.01"), D("0")]),
        # 100.01: exact 30.003, 45.0045, 25.0025 → floors 30.00 45.00 25.00, one cent left to 0.45.
        (D("100.01"), THIRDS, [D("30.00"), D("45.01"), D("25.00")]),
        # 0.07: exact 0.021, 0.0315, 0.0175 → floors 2, 3, 1 cents; one left: 0.0175 rem .75 wins.
        (D("0.07"), THIRDS, [D("0.02"), D("0.03"), D("0.02")]),
        # Equal remainders: the funders' order decides (the first funder gets the cent).
        (D("0.01"), [D("0.5"), D("0.5")], [D("0.01"), D("0")]),
        (D("1000.03"), [D("0.3"), D("0.7")], [D("300.01"), D("700.02")]),
        # Odd cents of a three-way 1/3 split that does not sum exactly as decimals.
        (
            D("10.00"),
            [D("0.3333"), D("0.3333"), D("0.3334")],
            [D("3.33"), D("3.33"), D("3.34")],
        ),
        # A reversal splits as the mirror of its entry.
        (D("-100.01"), THIRDS, [D("-30.00"), D("-45.01"), D("-25.00")]),
        (D("0"), THIRDS, [D("0"), D("0"), D("0")]),
    ],
)
def test_golden_splits(amount, shares, parts):
    result = largest_remainder(amount, shares)
    assert result == parts
    assert sum(result, D(0)) == amount


def test_components_each_sum_exactly():
    parts = split_components(
        {"principal": D("833.34"), "interest": D("14.99"), "fee": D("0.05"), "penalty": D("0.01")},
        THIRDS,
    )
    for name, amount in [("principal", "833.34"), ("interest", "14.99"), ("fee", "0.05")]:
        assert sum((part[name] for part in parts), D(0)) == D(amount)
    assert [part["penalty"] for part in parts] == [D("0"), D("0.01"), D("0")]


@pytest.mark.parametrize(
    ("amount", "shares"),
    [
        (D("1.00"), [D("0.3"), D("0.6")]),
        (D("1.001"), [D("1")]),
        (D("1.00"), [D("-0.1"), D("1.1")]),
        (1.0, [D("1")]),
        (D("1.00"), [0.5, 0.5]),
    ],
)
def test_refuses_bad_input(amount, shares):
    with pytest.raises(MoneyError):
        largest_remainder(amount, shares)


@st.composite
def share_sets(draw):
    count = draw(st.integers(min_value=1, max_value=4))
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cuts, 10_000]
    return [D(bounds[i + 1] - bounds[i]) / 10_000 for i in range(count)]


@settings(max_examples=60, deadline=None)
@given(
    shares=share_sets(),
    principal=st.integers(min_value=100_00, max_value=5_000_000_00),
    rate=st.integers(min_value=0, max_value=3600),
    term=st.integers(min_value=1, max_value=36),
    method=st.sampled_from(list(Method)),
    payments=st.lists(st.integers(min_value=1, max_value=500_000_00), max_size=12),
)
def test_funder_parts_always_sum_to_the_loan(shares, principal, rate, term, method, payments):
    """Every schedule row's components and every payment, allocated across them, split so that
    each funder's parts sum exactly to the loan's, row by row and component by component, and
    no part strays a minor unit from its exact share."""
    schedule = build_schedule(
        ScheduleTerms(
            principal=D(principal) / 100,
            annual_rate=D(rate) / 10_000 if method is not Method.FLAT_FEE else D(0),
            term=term,
            start_date=date(2026, 1, 15),
            method=method,
            fee_rate=D("0.006") if method is Method.FLAT_FEE else D(0),
        )
    )
    owed = []
    for row in schedule.installments:
        components = {"principal": row.principal, "interest": row.interest, "fee": row.fee}
        parts = split_components(components, shares)
        for name, amount in components.items():
            assert sum((part[name] for part in parts), D(0)) == amount
            for share, part in zip(shares, parts, strict=True):
                assert abs(part[name] - amount * share) < D("0.01")
        owed.append(components)
    # Payments allocated oldest row first, interest and fee before principal, each allocation
    # split on its own: the funders' collections sum exactly to what the borrower paid.
    funder_collected = [D(0)] * len(shares)
    paid_total = D(0)
    for cents in payments:
        left = D(cents) / 100
        for components in owed:
            for name in ("fee", "interest", "principal"):
                take = min(left, components[name])
                if take <= 0:
                    continue
                components[name] -= take
                left -= take
                for index, part in enumerate(largest_remainder(take, shares)):
                    funder_collected[index] += part
                paid_total += take
    assert sum(funder_collected, D(0)) == paid_total


def test_split_by_weights_is_exact_with_thirds():
    from calc.split import split_by_weights

    parts = split_by_weights(D("100.00"), [D("1"), D("1"), D("1")])
    assert parts == [D("33.34"), D("33.33"), D("33.33")]
    assert split_by_weights(D("-0.05"), [D("2"), D("3")]) == [D("-0.02"), D("-0.03")]
    assert sum(split_by_weights(D("999.99"), [D("0.01"), D("7"), D("0")]), D(0)) == D("999.99")
