"""Issue 24 through the product, the quote (API and command), the signed loan and ``manage.py apr``:
installment rounding, the rounded-once convention, compounding bullets and the APR method the
jurisdiction prescribes."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from calc.schedules import build_schedule
from loans.models import Installment
from loans.services.products import ProductRuleError, product_save, product_worst_case_apr
from loans.terms import loan_terms
from tests.lifecycle.factories import ACTOR, make_active_loan

from .conftest import BUSINESS_DATE, make_product

D = Decimal


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_product_save_checks_the_new_options_field_by_field():
    cases = [
        ({"installment_rounding": "multiple:0.001"}, "installment_rounding"),
        ({"installment_rounding": "tenths"}, "installment_rounding"),
        ({"method": "bullet", "installment_rounding": "whole_unit"}, "installment_rounding"),
        ({"method": "equal_principal", "level_convention": "rounded_once"}, "level_convention"),
        (
            {"installment_rounding": "whole_unit", "level_convention": "rounded_once"},
            "level_convention",
        ),
        ({"bullet_interest": "compound_monthly"}, "bullet_interest"),
        ({"level_convention": "sideways"}, "level_convention"),
    ]
    for overrides, field in cases:
        with pytest.raises(ProductRuleError) as caught:
            product_save(product=make_product(**overrides), on_date=BUSINESS_DATE)
        assert field in caught.value.errors, (overrides, caught.value.errors)


@pytest.mark.django_db
def test_an_eu_product_discloses_the_aprc_and_has_no_cap():
    """An EU product priced at 30% saves (the Directive sets no ceiling), its worst case is the
    APRC, and the API quote names the method and shows one decimal place."""
    product = product_save(
        product=make_product(
            code="eu-cash",
            jurisdiction="EU",
            currency="EUR",
            annual_rate=D("0.30"),
            installment_rounding="whole_unit:up",
        ),
        on_date=BUSINESS_DATE,
    )
    worst = product_worst_case_apr(product, BUSINESS_DATE)
    assert worst.check is None and worst.within_cap and worst.method == "eu_aprc"
    assert "no APR cap" in worst.describe()
    response = APIClient().post(
        "/api/v1/quotes",
        {"product": "eu-cash", "principal": "1000.00", "term": 12, "start_date": "2026-01-15"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["apr"]["method"] == "eu_aprc"
    assert body["apr"]["nominal"] == body["apr"]["effective"]
    assert body["apr"]["disclosed_percent"] == str(
        (D(body["apr"]["nominal"]) * 100).quantize(D("0.1"))
    )
    assert body["rate_cap"] is None
    assert body["terms"]["installment_rounding"] == "whole_unit:up"
    # PMT = 1000 × 0.025 / (1 − 1.025^−12) = 25 / 0.256444 = 97.487…, up to a whole euro: 98.00
    assert body["level_amount"] == "98.00"
    assert all(row["total"].endswith(".00") for row in body["installments"][:-1])


@pytest.mark.django_db
def test_a_signed_loan_keeps_its_conventions_and_apr_method():
    """A loan signs the product's rounding, convention and APR method; disbursement builds the
    very schedule the quote showed, from the loan's own snapshot."""
    loan = make_active_loan(
        "12000.00",
        12,
        date(2026, 1, 15),
        installment_rounding="multiple:10:up",
        level_convention="last_absorbs",
        jurisdiction="US",
    )
    assert (loan.installment_rounding, loan.apr_method) == ("multiple:10:up", "us_reg_z")
    rows = list(Installment.objects.filter(loan=loan).order_by("number"))
    expected = build_schedule(loan_terms(loan)).installments
    assert [(r.principal_due, r.interest_due) for r in rows] == [
        (e.principal, e.interest) for e in expected
    ]
    assert all((r.principal_due + r.interest_due) % 10 == 0 for r in rows[:-1])
    assert sum(r.principal_due for r in rows) == D("12000.00")
    bullet = make_active_loan(
        "10000.00", 12, date(2026, 1, 15), method="bullet", bullet_interest="compound_monthly"
    )
    assert bullet.bullet_interest == "compound_monthly" and bullet.apr_method == "cn_irr"
    assert Installment.objects.get(loan=bullet).interest_due == D("1268.25")
    assert ACTOR


@pytest.mark.django_db
def test_quote_command_takes_the_options_and_the_jurisdictions_method():
    args = [
        "--method", "equal_installment", "--principal", "1000", "--annual-rate", "0.12",
        "--term", "3", "--start-date", "2026-01-15",
    ]  # fmt: skip
    document = json.loads(
        run("quote", *args, "--jurisdiction", "GB", "--level-convention", "rounded_once", "--json")
    )
    assert document["apr"]["method"] == "uk_aprc"
    assert document["rate_cap"] is None
    assert [row["total"] for row in document["installments"]] == ["340.02"] * 3
    table = run("quote", *args, "--installment-rounding", "whole_unit:up")
    assert "APR (cn_irr)" in table and "341.00" in table
    bullet = run(
        "quote", "--method", "bullet", "--principal", "10000", "--annual-rate", "0.12",
        "--term", "12", "--start-date", "2026-01-15", "--bullet-interest", "compound_monthly",
    )  # fmt: skip
    assert "1268.25" in bullet


@pytest.mark.django_db
def test_apr_command_names_its_method():
    """98/7/EC Annex III, example 1 (1 000 on 1 January 1994, 1 200 on 1 July 1995: 13 %, or
    12.96 %) by ``--method eu_aprc``. Regulation Z (the default) takes a year as the unit-period
    past a one-year term: one whole year and 6/12 of one, 1000 = 1200 / ((1 + 0.5 i)(1 + i)), so
    0.5 i² + 1.5 i − 0.2 = 0 and i = −1.5 + √2.65 = 0.127882: 12.79 %."""
    base = ["--advance", "1000", "--start-date", "1994-01-01", "--payment", "1200@1995-07-01"]
    eu = json.loads(run("apr", *base, "--method", "eu_aprc", "--json"))
    assert eu["apr"]["method"] == "eu_aprc"
    assert eu["apr"]["disclosed_percent"] == "13.0"
    assert eu["apr"]["nominal_percent"] == "12.9620"
    us = json.loads(run("apr", *base, "--json"))
    assert us["apr"]["method"] == "us_reg_z" and us["apr"]["disclosed_percent"] == "12.79"
    assert "APR (uk_aprc)" in run("apr", *base, "--method", "uk_aprc")
