"""Schedules are built in the loan's currency's minor unit: yen have none below 1."""

from datetime import date
from decimal import Decimal

from calc import build_schedule
from loans.models import Loan
from loans.terms import loan_terms, product_terms

from .conftest import make_product

START = date(2026, 1, 15)


def amounts(schedule) -> list[Decimal]:
    return [
        amount
        for row in schedule.installments
        for amount in (row.principal, row.interest, row.total)
    ]


def test_a_yen_product_schedules_whole_yen():
    product = make_product(currency="JPY", min_amount=Decimal("100000"))
    terms = product_terms(
        product, principal=Decimal("100000"), term=12, start_date=START, annual_rate=Decimal("0.15")
    )
    assert terms.minor_unit == Decimal("1")
    schedule = build_schedule(terms)
    assert all(amount == amount.to_integral_value() for amount in amounts(schedule))
    assert sum(row.principal for row in schedule.installments) == Decimal("100000")


def test_a_yuan_product_schedules_to_the_fen():
    terms = product_terms(
        make_product(),
        principal=Decimal("10000.00"),
        term=12,
        start_date=START,
        annual_rate=Decimal("0.18"),
    )
    assert terms.minor_unit == Decimal("0.01")
    assert any(amount != amount.to_integral_value() for amount in amounts(build_schedule(terms)))


def test_a_signed_yen_loan_keeps_whole_yen():
    loan = Loan(
        currency="JPY",
        principal=Decimal("100000"),
        annual_rate=Decimal("0.15"),
        term=6,
        start_date=START,
        method="equal_installment",
        frequency="monthly",
        day_count="act/365f",
        rounding="half_up",
        fee_rate=Decimal("0"),
        upfront_fee=Decimal("0"),
        shift_rule="none",
    )
    schedule = build_schedule(loan_terms(loan))
    assert all(amount == amount.to_integral_value() for amount in amounts(schedule))
