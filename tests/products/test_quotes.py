import json
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import override_settings
from rest_framework.test import APIClient

from calc.quote import quote
from demo.products import demo_products_load
from ledger.services import business_date_advance
from loans.models import Borrower, CreditAssessment, Product
from loans.services.credit_assessments import credit_assessment_record
from loans.services.quotes import QuoteInputError, quote_for_product
from loans.terms import product_terms
from tests.lifecycle.factories import make_borrower

from .conftest import BUSINESS_DATE

D = Decimal
pytestmark = pytest.mark.django_db
URL = "/api/v1/quotes"


@pytest.fixture
def demo(db):
    return {item.product.code: item.product for item in demo_products_load(on_date=BUSINESS_DATE)}


@pytest.fixture
def api():
    return APIClient()


def post(api, **body):
    return api.post(URL, body, format="json")


def expected_quote(product: Product, *, principal: str, term: int, start: date, rate: Decimal):
    terms = product_terms(
        product, principal=D(principal), term=term, start_date=start, annual_rate=rate
    )
    return quote(terms, jurisdiction=product.jurisdiction)


def floats_in(value) -> list:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for item in value.values() for f in floats_in(item)]
    if isinstance(value, list):
        return [f for item in value for f in floats_in(item)]
    return []


# --- the service ------------------------------------------------------------------------------


def test_service_quotes_a_product_like_the_calculation_core(demo):
    result = quote_for_product(
        product_code="cash-loan", principal=D("12000.00"), term=12, start_date=date(2026, 1, 15)
    )
    expected = expected_quote(
        demo["cash-loan"], principal="12000.00", term=12, start=date(2026, 1, 15), rate=D("0.24")
    )
    assert result.quote.schedule == expected.schedule
    assert result.quote.apr == expected.apr
    assert result.priced.band.name == "subprime"  # no score: the worst band
    data = result.as_dict()
    assert data["rate_cap"]["within_cap"] is True
    assert data["product"]["code"] == "cash-loan"


def assessed(score: int | None, on: date = BUSINESS_DATE):
    """A borrower with the lender's credit assessment `score` (None: never assessed)."""
    borrower = make_borrower()
    if score is not None:
        credit_assessment_record(
            borrower=borrower,
            score=score,
            source=CreditAssessment.Source.BUREAU,
            business_date=on,
            assessed_by="tester",
        )
    return borrower


@pytest.mark.parametrize(
    ("score", "rate", "band"),
    [(710, "0.12", "prime"), (700, "0.12", "prime"), (699, "0.18", "near prime"),
     (650, "0.18", "near prime"), (649, "0.24", "subprime"), (None, "0.24", "subprime")],
)  # fmt: skip
def test_service_prices_by_the_band_of_the_lenders_assessment(demo, score, rate, band):
    result = quote_for_product(
        product_code="cash-loan", principal=D("10000.00"), term=6, borrower=assessed(score)
    )
    assert result.quote.schedule.terms.annual_rate == D(rate)
    assert result.priced.band.name == band and not result.priced.capped


def test_an_assessment_older_than_its_validity_prices_nothing(demo):
    business_date_advance(to=date(2026, 1, 2))
    borrower = assessed(720, on=date(2026, 1, 2))
    CreditAssessment.objects.filter(borrower=borrower).update(business_date=date(2025, 10, 1))
    result = quote_for_product(
        product_code="cash-loan", principal=D("10000.00"), term=6, borrower=borrower
    )
    assert result.priced.band.name == "subprime"


def test_the_quote_shows_every_band_with_its_rate_and_apr(demo):
    result = quote_for_product(product_code="cash-loan", principal=D("10000.00"), term=6)
    table = {band.name: band for band in result.bands}
    assert {name: band.annual_rate for name, band in table.items()} == {
        "prime": D("0.12"), "near prime": D("0.18"), "subprime": D("0.24")
    }  # fmt: skip
    for band in result.bands:
        expected = expected_quote(
            demo["cash-loan"], principal="10000.00", term=6, start=BUSINESS_DATE,
            rate=band.annual_rate,
        ).apr  # fmt: skip
        assert (band.apr.nominal, band.apr.effective) == (expected.nominal, expected.effective)
    assert table["subprime"].apr == result.quote.apr  # priced in the worst band: no assessment


def test_service_defaults_the_start_date_to_the_business_date(demo):
    business_date_advance(to=date(2026, 1, 2))
    result = quote_for_product(product_code="education-scene", principal=D("20000.00"), term=12)
    assert result.quote.schedule.terms.start_date == date(2026, 1, 2)
    assert result.quote.rate_cap.on_date == date(2026, 1, 2)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"product_code": "nope"}, "product"),
        ({"principal": D("499.99")}, "principal"),
        ({"principal": D("200000.01")}, "principal"),
        ({"principal": D("1000.001")}, "principal"),
        ({"term": 5}, "term"),
        ({"start_date": date(2010, 1, 1)}, "start_date"),
        ({"first_due_date": date(2026, 1, 10)}, "first_due_date"),
    ],
)
def test_service_refuses_bad_input_naming_the_field(demo, arguments, field):
    values = {
        "product_code": "cash-loan",
        "principal": D("1000.00"),
        "term": 6,
        "start_date": date(2026, 1, 10),
    }
    values.update(arguments)
    with pytest.raises(QuoteInputError) as caught:
        quote_for_product(**values)
    assert field in caught.value.errors
    assert caught.value.status_code == 400


def test_service_refuses_an_inactive_product(demo):
    Product.objects.filter(code="cash-loan").update(is_active=False)
    with pytest.raises(QuoteInputError) as caught:
        quote_for_product(product_code="cash-loan", principal=D("1000.00"), term=6)
    assert "product" in caught.value.errors


def test_service_quotes_an_odd_first_period(demo):
    result = quote_for_product(
        product_code="cash-loan",
        principal=D("6000.00"),
        term=6,
        start_date=date(2026, 1, 10),
        first_due_date=date(2026, 2, 25),
        borrower=assessed(720),
    )
    first = result.quote.schedule.installments[0]
    assert first.days_in_period == 46
    # ACT/360 on 46 days: 6000 × 12% × 46 / 360 = 92.00 (the core's rounding-down gives 91.99)
    assert D("91.99") <= first.interest <= D("92.00")
    terms = product_terms(
        demo["cash-loan"],
        principal=D("6000.00"),
        term=6,
        start_date=date(2026, 1, 10),
        annual_rate=D("0.12"),
        first_due_date=date(2026, 2, 25),
    )
    assert result.quote.schedule == quote(terms).schedule


# --- the API ----------------------------------------------------------------------------------


def test_api_quote_happy_path_matches_the_calculation_core(demo, api):
    # given a signed-in borrower the lender assessed at 710
    user = User.objects.create_user(username="quoting-borrower")
    borrower = assessed(710)
    Borrower.objects.filter(pk=borrower.pk).update(user=user)
    api.force_authenticate(user)
    response = post(
        api, product="cash-loan", principal="12000.00", term=12, start_date="2026-01-15"
    )
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    expected = expected_quote(
        demo["cash-loan"], principal="12000.00", term=12, start=date(2026, 1, 15), rate=D("0.12")
    )
    assert body["apr"] == {
        "nominal": str(expected.apr.nominal),
        "effective": str(expected.apr.effective),
        "method": "cn_irr",
        "disclosed_percent": str(expected.apr.disclosed),
    }
    assert body["rate_cap"]["jurisdiction"] == "CN"
    assert body["rate_cap"]["cap"] == "0.24"
    assert body["rate_cap"]["rule"] == "CN-licensed-24"
    assert body["rate_cap"]["within_cap"] is True
    assert body["pricing_band"] == {
        "name": "prime", "min_score": 700, "annual_rate": "0.12", "capped": False
    }  # fmt: skip
    assert "credit_score" not in body
    assert [(band["name"], band["annual_rate"]) for band in body["bands"]] == [
        ("prime", "0.12"), ("near prime", "0.18"), ("subprime", "0.24")
    ]  # fmt: skip
    assert body["bands"][0]["apr"] == {
        "nominal": str(expected.apr.nominal), "effective": str(expected.apr.effective)
    }  # fmt: skip
    assert len(body["installments"]) == 12
    for row, installment in zip(body["installments"], expected.schedule.installments, strict=True):
        assert row["due_date"] == installment.due_date.isoformat()
        assert row["principal"] == str(installment.principal)
        assert row["interest"] == str(installment.interest)
        assert row["total"] == str(installment.total)
        assert row["remaining_principal"] == str(installment.remaining_principal)
    totals = expected.schedule.totals
    assert body["totals"]["principal"] == "12000.00"
    assert body["totals"]["interest"] == str(totals.interest)
    assert body["totals"]["total"] == str(totals.total)
    assert body["net_disbursement"] == "12000.00"
    assert body["terms"]["start_date"] == "2026-01-15"


def test_api_decimals_are_json_strings(demo, api):
    response = post(api, product="ecommerce-installment", principal="3000.00", term=6)
    body = json.loads(response.content)
    assert floats_in(body) == []
    assert body["installments"][0]["fee"] == "18.00"  # 3000 × 0.6%
    assert body["installments"][0]["principal"] == "500.00"
    assert body["level_amount"] == "500.00"
    assert isinstance(body["apr"]["nominal"], str) and isinstance(body["rate_cap"]["cap"], str)


def test_api_defaults_the_start_date_to_the_business_date(demo, api):
    business_date_advance(to=date(2026, 1, 2))
    body = json.loads(post(api, product="balance-transfer", principal="20000.00", term=6).content)
    assert body["terms"]["start_date"] == "2026-01-02"
    assert body["totals"]["upfront_fee"] == "200.00"
    assert body["net_disbursement"] == "19800.00"


def test_a_claimed_credit_score_is_refused_and_cannot_choose_the_price(demo, api):
    # the same request with 720 and with 300 no longer gives two prices: both are refused
    for score in (720, 300):
        response = post(api, product="cash-loan", principal="5000.00", term=6, credit_score=score)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/problem+json")
        assert "Not accepted" in json.loads(response.content)["errors"]["credit_score"][0]
    # without it, an anonymous caller is quoted the worst band
    body = json.loads(post(api, product="cash-loan", principal="5000.00", term=6).content)
    assert body["terms"]["annual_rate"] == "0.24"
    assert body["pricing_band"]["name"] == "subprime"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product": "no-such-product"}, "product"),
        ({"principal": "100.00"}, "principal"),
        ({"principal": "999999.00"}, "principal"),
        ({"term": 5}, "term"),
        ({"term": 0}, "term"),
        ({"term": "twelve"}, "term"),
        ({"principal": "abc"}, "principal"),
        ({"principal": "12000.001"}, "principal"),
        ({"credit_score": "high"}, "credit_score"),
        ({"start_date": "2026-13-01"}, "start_date"),
        ({"start_date": "2010-01-01"}, "start_date"),
        ({"first_due_date": "2026-01-01", "start_date": "2026-01-15"}, "first_due_date"),
        ({"product": None}, "product"),
    ],
)
def test_api_bad_input_is_a_400_problem_naming_the_field(demo, api, body, field):
    request = {"product": "cash-loan", "principal": "12000.00", "term": 12}
    request.update(body)
    response = api.post(URL, request, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    problem = json.loads(response.content)
    assert problem["status"] == 400 and problem["type"].endswith("validation-error")
    assert field in problem["errors"], problem


def test_api_refuses_a_float_principal(demo, api):
    response = api.post(
        URL, data='{"product": "cash-loan", "principal": 12000.5, "term": 12}',
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "decimal strings" in json.loads(response.content)["errors"]["principal"][0]


def test_api_accepts_an_integer_principal(demo, api):
    response = api.post(
        URL, data='{"product": "cash-loan", "principal": 12000, "term": 12}',
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200
    assert json.loads(response.content)["terms"]["principal"] == "12000.00"


def test_api_missing_fields_are_named(demo, api):
    problem = json.loads(api.post(URL, {}, format="json").content)
    assert {"product", "principal", "term"} <= set(problem["errors"])


def test_anonymous_quotes_are_throttled_with_a_429_problem(demo, api):
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_quote": "2/min"}}
    with override_settings(REST_FRAMEWORK=rest):
        codes = [
            post(api, product="cash-loan", principal="1000.00", term=3).status_code
            for _ in range(3)
        ]
        response = post(api, product="cash-loan", principal="1000.00", term=3)
    assert codes == [200, 200, 429]
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/problem+json")
    assert int(response["Retry-After"]) > 0
    problem = json.loads(response.content)
    assert problem["status"] == 429 and problem["type"].endswith("throttled")


def test_signed_in_staff_are_not_throttled_as_anonymous(demo, api, admin_user):
    api.force_authenticate(admin_user)
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_quote": "1/min"}}
    with override_settings(REST_FRAMEWORK=rest):
        codes = {
            post(api, product="cash-loan", principal="1000.00", term=3).status_code
            for _ in range(3)
        }
    assert codes == {200}


def test_products_list_shows_active_products_with_their_terms(demo, api):
    Product.objects.filter(code="education-scene").update(is_active=False)
    response = api.get("/api/v1/products")
    assert response.status_code == 200
    products = {item["code"]: item for item in json.loads(response.content)}
    assert set(products) == {"balance-transfer", "cash-loan", "ecommerce-installment"}
    assert products["ecommerce-installment"]["terms"] == [3, 6, 12]
    assert products["ecommerce-installment"]["fee_rate"] == "0.006"
    assert products["cash-loan"]["pricing_bands"][0] == {
        "name": "prime", "min_score": 700, "annual_rate": "0.12"
    }  # fmt: skip
    assert products["cash-loan"]["min_amount"] == "500.00"
    assert products["cash-loan"]["apr_method"] == "cn_irr"
    assert products["cash-loan"]["installment_rounding"] == "cent"
    assert products["cash-loan"]["level_convention"] == "last_absorbs"
    assert floats_in(products) == []


def test_the_schema_documents_the_endpoints(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    assert "post" in paths["/api/v1/quotes"] and "get" in paths["/api/v1/products"]
