import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from calc.quote import quote
from demo.products import demo_products_load, demo_products_read
from loans.models import Product
from loans.services.products import (
    ProductRuleError,
    RateCapExceeded,
    product_save,
    product_validate,
    product_worst_case_apr,
)
from loans.terms import product_terms

from .conftest import BUSINESS_DATE, make_product

D = Decimal
pytestmark = pytest.mark.django_db

BANDS = [
    {"min_score": 700, "annual_rate": "0.12", "name": "prime"},
    {"min_score": 650, "annual_rate": "0.18", "name": "near prime"},
    {"min_score": None, "annual_rate": "0.30", "name": "subprime"},
]


def rule_errors(product) -> dict[str, list[str]]:
    with pytest.raises(ProductRuleError) as caught:
        product_validate(product, BUSINESS_DATE)
    return caught.value.errors


def test_a_compliant_product_saves_and_reports_its_worst_case():
    # given an 18% equal-installment loan without fees
    product = make_product()
    # when it is saved
    saved = product_save(product=product, on_date=BUSINESS_DATE)
    # then it is stored, and its worst case is about 18% against the 24% cap
    assert Product.objects.get(code="test-cash").pk == saved.pk
    worst = product_worst_case_apr(saved, BUSINESS_DATE)
    assert worst.within_cap
    assert worst.check.cap == D("0.24") and worst.check.rule == "CN-licensed-24"
    assert abs(worst.apr - D("0.18")) < D("0.0005")
    assert {(case.term, case.principal) for case in worst.cases} == {
        (term, amount) for term in (3, 6, 12) for amount in (D("1000.00"), D("50000.00"))
    }


def test_the_highest_band_is_refused_with_the_figures():
    # given risk-based pricing whose worst band (30%) is above the 24% cap
    product = make_product(pricing_bands=BANDS)
    # when it is saved, then it is refused with the APR, the cap, the rule, the term and amount
    with pytest.raises(RateCapExceeded) as caught:
        product_save(product=product, on_date=BUSINESS_DATE)
    error = caught.value
    assert error.status_code == 422
    assert "worst-case APR 30.0" in error.detail
    assert "cap 24.0000%" in error.detail and "CN-licensed-24" in error.detail
    assert "band subprime" in error.detail and "term " in error.detail
    assert error.context["rule"] == "CN-licensed-24"
    assert error.context["cap"] == D("0.24")
    assert error.context["apr"] > D("0.29")
    assert error.context["annual_rate"] == D("0.30")
    assert not Product.objects.filter(code="test-cash").exists()


def test_an_upfront_fee_is_worst_on_the_shortest_term_and_smallest_amount():
    # given 20% interest and a fixed 30.00 upfront fee: cheap on 50000, dear on 1000 over 3 months
    product = make_product(annual_rate=D("0.20"), upfront_fee_amount=D("30.00"))
    with pytest.raises(RateCapExceeded) as caught:
        product_validate(product, BUSINESS_DATE)
    # then the figures name the term and the amount that gave the worst APR
    assert caught.value.context["term"] == 3
    assert caught.value.context["principal"] == D("1000.00")
    assert "term 3, amount 1000.00" in caught.value.detail


def test_a_per_period_fee_is_worst_on_the_longest_term():
    # given a flat 1.15%-a-month fee: its APR grows with the term (20.6%, 23.3%, 24.6%)
    flat = {"method": "flat_fee", "annual_rate": D("0"), "fee_rate": D("0.0115")}
    with pytest.raises(RateCapExceeded) as caught:
        product_validate(make_product(**flat), BUSINESS_DATE)
    assert caught.value.context["term"] == 12
    # and the 3- and 6-month plans alone pass
    worst = product_worst_case_apr(make_product(**flat, allowed_terms=[3, 6]), BUSINESS_DATE)
    assert worst.within_cap and worst.case.term == 6


def test_the_worst_case_matches_the_calculation_core():
    product = make_product(annual_rate=D("0.21"), upfront_fee_rate=D("0.01"))
    worst = product_worst_case_apr(product, BUSINESS_DATE)
    for case in worst.cases:
        direct = quote(
            product_terms(
                product,
                principal=case.principal,
                term=case.term,
                start_date=BUSINESS_DATE,
                annual_rate=case.annual_rate,
            )
        )
        assert direct.apr.nominal == case.apr
    assert worst.apr == max(case.apr for case in worst.cases)


def test_a_term_range_without_a_list_is_checked_at_its_ends_and_samples():
    product = make_product(allowed_terms=[], min_term=1, max_term=360, max_amount=D("9000.00"))
    terms = {case.term for case in product_worst_case_apr(product, BUSINESS_DATE).cases}
    assert {1, 360} <= terms and len(terms) <= 26


def test_private_lending_rule_four_times_lpr():
    # given the court's cap for private lending (4 × 3.00% LPR = 12%)
    product = make_product(cap_rule="CN-private-4xLPR")
    with pytest.raises(RateCapExceeded) as caught:
        product_validate(product, BUSINESS_DATE)
    assert "cap 12.0000%" in caught.value.detail
    assert "CN-private-4xLPR" in caught.value.detail
    assert product_validate(
        make_product(cap_rule="CN-private-4xLPR", annual_rate=D("0.11")), BUSINESS_DATE
    ).within_cap


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"min_amount": D("60000.00")}, "max_amount", "below the minimum"),
        ({"min_amount": D("0.00")}, "min_amount", "positive"),
        ({"min_amount": D("1000.005")}, "min_amount", "no digits below"),
        ({"min_term": 6}, "allowed_terms", "outside the range"),
        ({"max_term": 400, "allowed_terms": []}, "max_term", "between 1 and 360"),
        ({"min_term": 12, "max_term": 3, "allowed_terms": []}, "max_term", "below the minimum"),
        ({"allowed_terms": [3, 3, 6]}, "allowed_terms", "twice"),
        ({"allowed_terms": [3, "6"]}, "allowed_terms", "not a whole number"),
        ({"allowed_terms": "3,6"}, "allowed_terms", "a list"),
        ({"allocation_order": ["fee", "interest", "principal"]}, "allocation_order", "once"),
        (
            {"allocation_order": ["fee", "fee", "interest", "principal"]},
            "allocation_order",
            "exactly once",
        ),
        ({"pricing_bands": {"700": "0.12"}}, "pricing_bands", "a list"),
        ({"pricing_bands": [{"min_score": 700}]}, "pricing_bands", "decimal string"),
        # a JSON number with a fraction, as an admin form would parse it
        (
            {"pricing_bands": json.loads('[{"annual_rate": 0.12}]')},
            "pricing_bands",
            "decimal string",
        ),
        ({"pricing_bands": [{"annual_rate": "abc"}]}, "pricing_bands", "not a decimal"),
        ({"pricing_bands": [{"annual_rate": "-0.1"}]}, "pricing_bands", "non-negative"),
        ({"pricing_bands": [{"annual_rate": "0.1", "rate": 1}]}, "pricing_bands", "unknown keys"),
        ({"pricing_bands": [{"min_score": "700", "annual_rate": "0.1"}]}, "pricing_bands", "whole"),
        (
            {"pricing_bands": [{"annual_rate": "0.1"}, {"min_score": None, "annual_rate": "0.2"}]},
            "pricing_bands",
            "same score",
        ),
        ({"method": "flat_fee", "fee_rate": D("0.005")}, "annual_rate", "no interest"),
        ({"annual_rate": D("-0.01")}, "annual_rate", "negative"),
        ({"upfront_fee_amount": D("1000.00")}, "upfront_fee_amount", "leaves nothing"),
        ({"shift_rule": "next_business_day"}, "calendar", "needs a business calendar"),
        ({"calendar": "ZZ"}, "calendar", "unknown holiday calendar"),
        ({"rounding": "bankers"}, "rounding", "Unknown rounding"),
        ({"currency": "XYZ"}, "currency", "unknown currency"),
        ({"jurisdiction": "FR"}, "jurisdiction", "unknown jurisdiction"),
        ({"cap_rule": "CN-nope"}, "cap_rule", "no rule"),
        ({"method": "annuity"}, "method", "unknown amortization method"),
    ],
)
def test_incoherent_products_are_refused_naming_the_field(overrides, field, words):
    errors = rule_errors(make_product(**overrides))
    assert field in errors, errors
    assert any(words in message for message in errors[field]), errors[field]


def test_model_clean_raises_form_errors_with_the_figures():
    # given a product over the cap, when the admin form cleans it
    product = make_product(annual_rate=D("0.30"))
    with pytest.raises(ValidationError) as caught:
        product.full_clean()
    # then the error is on the whole product and carries the figures
    messages = caught.value.message_dict["__all__"]
    assert "worst-case APR 30.0" in messages[0] and "cap 24.0000%" in messages[0]
    # and field-level rules land on their fields
    with pytest.raises(ValidationError) as caught:
        make_product(allowed_terms=[2]).full_clean()
    assert "allowed_terms" in caught.value.message_dict


def test_product_save_reports_field_errors_and_duplicate_codes():
    product_save(product=make_product(), on_date=BUSINESS_DATE)
    with pytest.raises(ProductRuleError) as caught:
        product_save(product=make_product(), on_date=BUSINESS_DATE)
    assert "code" in caught.value.errors
    with pytest.raises(ProductRuleError) as caught:
        product_save(product=make_product(code="x", name=""), on_date=BUSINESS_DATE)
    assert "name" in caught.value.errors


def test_every_demo_product_passes_on_every_allowed_term():
    loaded = demo_products_load(on_date=BUSINESS_DATE)
    assert [item.action for item in loaded] == ["created"] * 4
    by_type = {item.product.product_type: item.product for item in loaded}
    assert by_type["ecommerce_installment"].method == "flat_fee"
    assert by_type["ecommerce_installment"].fee_rate == D("0.006")
    assert by_type["cash_loan"].method == "equal_installment"
    assert by_type["balance_transfer"].method == "equal_principal"
    assert by_type["scene_education"].method == "interest_only"
    for product in by_type.values():
        worst = product_worst_case_apr(product, BUSINESS_DATE)
        assert worst.within_cap, worst.describe()
        checked = {case.term for case in worst.cases}
        assert checked == set(product.terms_in_range())
    # the e-commerce plan's 0.6% a month costs about 13% a year by IRR over 12 months
    ecommerce = product_worst_case_apr(by_type["ecommerce_installment"], BUSINESS_DATE)
    assert ecommerce.case.term == 12 and D("0.125") < ecommerce.apr < D("0.135")


def test_demo_products_load_is_idempotent_and_keeps_edits_unless_updating():
    demo_products_load(on_date=BUSINESS_DATE)
    Product.objects.filter(code="cash-loan").update(name="Renamed")
    again = demo_products_load(on_date=BUSINESS_DATE)
    assert [item.action for item in again] == ["kept"] * 4
    assert Product.objects.count() == 4
    assert Product.objects.get(code="cash-loan").name == "Renamed"
    updated = demo_products_load(on_date=BUSINESS_DATE, update=True)
    assert [item.action for item in updated] == ["updated"] * 4
    assert Product.objects.get(code="cash-loan").name == "Cash loan (现金贷)"


def test_the_fixture_is_django_loaddata_format():
    fields = demo_products_read()
    assert len(fields) == 4
    assert all(isinstance(item["fee_rate"], str) for item in fields)


def test_demo_setup_loads_the_products(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_FORCE", "1")
    call_command("demo_setup")
    call_command("demo_setup")
    assert Product.objects.filter(is_active=True).count() == 4
    call_command("load_demo_products", "--update")
    assert "updated" in capsys.readouterr().out
