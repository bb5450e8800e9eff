"""Re-aging rules as data: each limit refuses by its name."""

from datetime import date
from decimal import Decimal

from calc.reaging import DEFAULT_RULES, consecutive_qualifying, reage_refusal, reage_rules

D = Decimal
ON = date(2026, 6, 20)
PAID = [D("1066.19")] * 3


def refusal(earlier=(), payments=PAID):
    return reage_refusal(
        DEFAULT_RULES, on=ON, earlier=list(earlier), payments=payments, installment=D("1066.19")
    )


def test_allowed_after_three_qualifying_payments_and_no_recent_re_age():
    assert refusal() is None
    assert refusal(earlier=[date(2025, 6, 20)]) is None  # exactly 12 months back is outside


def test_once_in_twelve_months():
    assert refusal(earlier=[date(2025, 6, 21)]) == "once in 12 months"


def test_twice_in_five_years():
    assert refusal(earlier=[date(2022, 1, 1), date(2024, 1, 1)]) == "twice in 5 years"
    assert refusal(earlier=[date(2021, 6, 1), date(2024, 1, 1)]) is None


def test_three_consecutive_qualifying_payments():
    assert refusal(payments=[D("1066.19"), D("1066.19")]) == "3 consecutive qualifying payments"
    short = [D("1066.19"), D("1066.19"), D("500.00"), D("1066.19"), D("1066.19")]
    assert consecutive_qualifying(short, D("1066.19")) == 2
    assert refusal(payments=short) == "3 consecutive qualifying payments"


def test_an_unknown_jurisdiction_takes_the_default_rules():
    assert reage_rules("XX") == DEFAULT_RULES == reage_rules("CN")
