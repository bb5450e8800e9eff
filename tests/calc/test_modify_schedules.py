"""Golden schedules after a modification, derived by hand.

The rest of a loan: 10,098.16 owed from Mar 15, 2026, 10 monthly periods left (the first due
Apr 15), 12% a year = 1% a month, equal installments, half-up to the cent. A holiday period's
interest is 1% of 10,098.16 = 100.9816 → 100.98; two periods: 201.96.
"""

from datetime import date
from decimal import Decimal

import pytest

from calc.schedules import ScheduleError, ScheduleTerms
from calc.schedules.modify import continued_schedule, holiday_schedule

D = Decimal
TERMS = ScheduleTerms(
    principal=D("12000.00"), annual_rate=D("0.12"), term=12, start_date=date(2026, 1, 15)
)
REST = {
    "principal": D("10098.16"),
    "start_date": date(2026, 3, 15),
    "first_due_date": date(2026, 4, 15),
}


def holiday(interest, extend_term=True, periods=2):
    return holiday_schedule(
        TERMS,
        **REST,
        remaining_term=10,
        holiday_periods=periods,
        interest=interest,
        extend_term=extend_term,
    )


def picture(schedule, numbers):
    rows = {row.number: row for row in schedule.installments}
    return [(rows[n].due_date, rows[n].principal, rows[n].interest, rows[n].total) for n in numbers]


def test_a_waived_holiday_asks_nothing_then_amortizes_the_principal_over_ten_more_months():
    schedule = holiday("waive")
    # PMT(10,098.16; 1%; 10) = 100.9816 × 1.1046221 / 0.1046221 = 1,066.1847 → 1,066.18
    assert picture(schedule, [1, 2, 3, 12]) == [
        (date(2026, 4, 15), D("0"), D("0"), D("0")),
        (date(2026, 5, 15), D("0"), D("0"), D("0")),
        (date(2026, 6, 15), D("965.20"), D("100.98"), D("1066.18")),
        # the last absorbs: 10,098.16 − 9 principal parts = 1,055.68; interest 1% of it = 10.56
        (date(2027, 3, 15), D("1055.68"), D("10.56"), D("1066.24")),
    ]
    assert schedule.totals.principal == D("10098.16")
    assert schedule.totals.interest == D("563.70")


def test_a_spread_holiday_adds_its_interest_in_equal_parts():
    schedule = holiday("spread")
    # 201.96 / 10 = 20.196 → 20.19 on the first nine, 201.96 − 9 × 20.19 = 20.25 on the last
    assert picture(schedule, [3, 4, 12]) == [
        (date(2026, 6, 15), D("965.20"), D("121.17"), D("1086.37")),
        (date(2026, 7, 15), D("974.85"), D("111.52"), D("1086.37")),
        (date(2027, 3, 15), D("1055.68"), D("30.81"), D("1086.49")),
    ]
    assert schedule.totals.interest == D("563.70") + D("201.96")


def test_a_capitalized_holiday_repays_principal_and_holiday_interest_as_installments():
    schedule = holiday("capitalize")
    # PMT(10,300.12; 1%; 10) = 103.0012 × 1.1046221 / 0.1046221 = 1,087.5081 → 1,087.51; its first
    # row: interest 103.00, principal 984.51, of which 201.96 × 984.51 / 10,300.12 = 19.30 is
    # capitalized interest, shown as interest: principal 965.21, interest 122.30
    assert picture(schedule, [3]) == [(date(2026, 6, 15), D("965.21"), D("122.30"), D("1087.51"))]
    assert schedule.totals.principal == D("10098.16")
    assert {row.total for row in schedule.installments[2:-1]} == {D("1087.51")}


def test_a_holiday_without_extension_repays_by_the_original_maturity():
    schedule = holiday("waive", extend_term=False)
    # PMT(10,098.16; 1%; 8) = 100.9816 × 1.0828567 / 0.0828567 = 1,319.7315 → 1,319.73
    assert len(schedule.installments) == 10
    assert schedule.installments[-1].due_date == date(2027, 1, 15)
    assert schedule.installments[2].total == D("1319.73")


def test_holiday_refusals():
    with pytest.raises(ScheduleError, match="at least one"):
        holiday("waive", periods=0)
    with pytest.raises(ScheduleError, match="extend the term"):
        holiday("waive", extend_term=False, periods=10)
    with pytest.raises(ScheduleError, match="unknown holiday interest"):
        holiday("forgive")


def test_a_longer_term_at_a_new_rate():
    schedule = continued_schedule(TERMS, **REST, term=16, annual_rate=D("0.096"))
    # PMT(10,098.16; 0.8%; 16) = 80.78528 × 1.1359743 / 0.1359743 = 674.9069 → 674.91
    assert schedule.installments[0].total == D("674.91")
    assert schedule.installments[0].interest == D("80.79")
    assert schedule.totals.principal == D("10098.16")
