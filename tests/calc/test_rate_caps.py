from datetime import date
from decimal import Decimal

import pytest

from calc.rate_caps import (
    ONE_YEAR_LPR,
    RateCapError,
    RateCapRule,
    cap_check,
    jurisdictions,
    lpr_on,
    rate_cap,
    register_rule,
    rules_for,
)

D = Decimal


@pytest.mark.parametrize(
    ("on_date", "rate"),
    [
        (date(2019, 8, 20), "0.0425"),
        (date(2020, 8, 20), "0.0385"),
        (date(2022, 8, 21), "0.0370"),
        (date(2022, 8, 22), "0.0365"),
        (date(2024, 10, 20), "0.0335"),
        (date(2024, 10, 21), "0.0310"),
        (date(2025, 12, 22), "0.0300"),
        (date(2027, 6, 1), "0.0300"),
    ],
)
def test_lpr_lookup_by_date_takes_the_latest_fixing(on_date, rate):
    assert lpr_on(on_date) == D(rate)


def test_no_lpr_before_the_reform():
    with pytest.raises(RateCapError, match="2019-08-20"):
        lpr_on(date(2019, 8, 19))


def test_lpr_table_is_in_date_order():
    dates = [effective for effective, _ in ONE_YEAR_LPR]
    assert dates == sorted(dates)
    assert ONE_YEAR_LPR[-1] == (date(2025, 12, 22), D("0.0300"))


def test_china_default_is_the_licensed_lenders_24_percent():
    check = cap_check(D("0.2399"), "CN", on_date=date(2026, 1, 15))
    assert (check.rule, check.cap, check.jurisdiction) == ("CN-licensed-24", D("0.24"), "CN")
    assert check.within_cap and check.passes
    assert cap_check(D("0.24"), "CN", on_date=date(2026, 1, 15)).within_cap
    assert not cap_check(D("0.240000000001"), "CN", on_date=date(2026, 1, 15)).within_cap


def test_private_lending_cap_is_four_times_the_lpr_of_the_contract_date():
    on_latest = cap_check(D("0.12"), "CN", on_date=date(2025, 12, 22), rule="CN-private-4xLPR")
    assert on_latest.cap == D("0.1200") and on_latest.within_cap
    earlier = cap_check(D("0.125"), "CN", on_date=date(2024, 11, 1), rule="CN-private-4xLPR")
    assert earlier.cap == D("0.1240") and not earlier.within_cap
    first_day = rate_cap("CN", date(2020, 8, 20), "CN-private-4xLPR")
    assert first_day[1] == D("0.1540")


def test_rules_are_dated():
    rule, cap = rate_cap("CN", date(2019, 1, 1), "CN-private-24")
    assert cap == D("0.24") and rule.effective_to == date(2020, 8, 19)
    with pytest.raises(RateCapError, match="not in force"):
        rate_cap("CN", date(2021, 1, 1), "CN-private-24")
    with pytest.raises(RateCapError, match="not in force"):
        rate_cap("CN", date(2019, 1, 1), "CN-private-4xLPR")
    with pytest.raises(RateCapError, match="no default"):
        cap_check(D("0.1"), "CN", on_date=date(2010, 1, 1))


def test_us_example_is_36_percent_all_in():
    check = cap_check(D("0.3601"), "US", on_date=date(2026, 1, 15))
    assert (check.rule, check.cap, check.within_cap) == ("US-36-all-in", D("0.36"), False)
    assert check.as_dict() == {
        "jurisdiction": "US",
        "cap": D("0.36"),
        "rule": "US-36-all-in",
        "within_cap": False,
        "apr": D("0.3601"),
        "on_date": date(2026, 1, 15),
    }


def test_unknown_jurisdiction_or_rule():
    with pytest.raises(RateCapError, match="unknown jurisdiction"):
        cap_check(D("0.1"), "MARS", on_date=date(2026, 1, 1))
    with pytest.raises(RateCapError, match="no rule"):
        cap_check(D("0.1"), "CN", on_date=date(2026, 1, 1), rule="CN-36")


def test_registering_a_jurisdiction():
    register_rule(
        RateCapRule(
            name="ZZ-old-30",
            jurisdiction="ZZ",
            effective_from=date(2020, 1, 1),
            effective_to=date(2024, 12, 31),
            rate=D("0.30"),
        ),
        default=True,
    )
    register_rule(
        RateCapRule(
            name="ZZ-20", jurisdiction="ZZ", effective_from=date(2025, 1, 1), rate=D("0.2")
        ),
        default=True,
    )
    assert "ZZ" in jurisdictions()
    assert len(rules_for("zz")) == 2
    assert cap_check(D("0.25"), "ZZ", on_date=date(2024, 6, 1)).rule == "ZZ-old-30"
    assert cap_check(D("0.25"), "ZZ", on_date=date(2025, 6, 1)).within_cap is False
    with pytest.raises(RateCapError, match="already registered"):
        register_rule(
            RateCapRule(
                name="ZZ-20", jurisdiction="ZZ", effective_from=date(2025, 1, 1), rate=D("0.2")
            )
        )


def test_a_rule_needs_exactly_one_kind_of_cap():
    with pytest.raises(RateCapError):
        RateCapRule(name="bad", jurisdiction="ZZ", effective_from=date(2025, 1, 1))
    with pytest.raises(RateCapError):
        RateCapRule(
            name="bad",
            jurisdiction="ZZ",
            effective_from=date(2025, 1, 1),
            rate=D("0.1"),
            lpr_multiple=D(4),
        )
