"""The origination API: apply, application status, my credit lines, draw down (idempotent)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from ledger.services import business_date_open
from origination.models import Drawdown, Merchant

from .factories import make_borrower, make_merchant, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def books():
    business_date_open(on=date(2026, 1, 15))


def client_for(borrower) -> APIClient:
    user = get_user_model().objects.create_user(f"user{borrower.pk}", password="x")
    borrower.user = user
    borrower.save(update_fields=["user"])
    client = APIClient()
    client.force_authenticate(user)
    return client


def application_body(borrower, product, **overrides) -> dict:
    body = {
        "product": product.code,
        "requested_amount": "20000.00",
        "requested_term": 12,
        "purpose": "furniture",
        "monthly_income": "12000.00",
        "name": borrower.name,
        "national_id": borrower.national_id,
        "mobile": borrower.mobile,
        "residence_region": "11",
        "device_id": "phone-1",
        "consents": ["credit_bureau", "data_processing"],
    }
    body.update(overrides)
    return body


@pytest.fixture
def borrower():
    return make_borrower()


@pytest.fixture
def api(borrower):
    return client_for(borrower)


@pytest.fixture
def cash():
    return make_product("cash_loan")


def apply(api, borrower, product, **overrides):
    return api.post(
        "/api/v1/applications", application_body(borrower, product, **overrides), format="json"
    )


def test_apply_is_decided_at_once_with_the_offer_and_apr(api, borrower, cash):
    response = apply(api, borrower, cash)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert body["decision"]["outcome"] == "approve"
    assert body["decision"]["offer"]["limit"] == "60000.00"
    assert body["decision"]["offer"]["apr"]["nominal"].startswith("0.144")
    assert body["credit_line"].startswith("CL")
    # and its status can be read back
    again = api.get(f"/api/v1/applications/{body['reference']}")
    assert again.status_code == 200
    assert again.json() == body


def test_a_decline_tells_the_reasons_with_their_texts(api, borrower, cash):
    body = apply(api, borrower, cash, consents=["data_processing"]).json()
    assert body["status"] == "declined"
    assert body["decision"]["reasons"] == [
        {"code": "C01", "text": "A consent the application needs was not given."}
    ]
    assert body["decision"]["offer"] is None
    assert body["credit_line"] is None


def test_another_borrowers_application_and_line_are_not_found(api, borrower, cash):
    reference = apply(api, borrower, cash).json()["reference"]
    line = api.get("/api/v1/credit-lines").json()[0]["reference"]
    stranger = client_for(make_borrower(name="Wang Fang"))
    assert stranger.get(f"/api/v1/applications/{reference}").status_code == 404
    assert stranger.get("/api/v1/credit-lines").json() == []
    response = stranger.post(
        f"/api/v1/credit-lines/{line}/drawdowns",
        {"product": cash.code, "amount": "100.00", "term": 6},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_bad_input_is_a_problem(api, borrower, cash):
    response = apply(api, borrower, cash, requested_amount=100.5)
    assert response.status_code == 400
    assert "requested_amount" in response.json()["errors"]


def test_my_credit_line_and_an_idempotent_drawdown(api, borrower, cash):
    apply(api, borrower, cash)
    line = api.get("/api/v1/credit-lines").json()[0]
    assert (line["limit"], line["available"], line["status"]) == ("60000.00", "60000.00", "active")
    shop = make_merchant()
    body = {
        "product": make_product("ecommerce_installment").code,
        "amount": "3000.00",
        "term": 6,
        "merchant": shop.code,
        "order_reference": "ORDER-9",
    }
    url = f"/api/v1/credit-lines/{line['reference']}/drawdowns"
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")
    assert first.status_code == 201, first.json()
    assert first.json()["payee_kind"] == "merchant"
    assert first.json()["line_available"] == "57000.00"
    # the same key and body: the first response again, nothing booked twice
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="checkout-1")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert Drawdown.objects.count() == 1
    # the same key, another body: 422
    other = api.post(
        url, {**body, "amount": "10.00"}, format="json", HTTP_IDEMPOTENCY_KEY="checkout-1"
    )
    assert other.status_code == 422
    # no key: 400
    assert api.post(url, body, format="json").status_code == 400
    assert api.get("/api/v1/credit-lines").json()[0]["available"] == "57000.00"


def test_a_drawdown_above_the_available_amount_is_a_422_problem(api, borrower, cash):
    apply(api, borrower, cash)
    line = api.get("/api/v1/credit-lines").json()[0]
    response = api.post(
        f"/api/v1/credit-lines/{line['reference']}/drawdowns",
        {
            "product": cash.code,
            "amount": "60000.01",
            "term": 12,
            "payee": {"name": borrower.name, "account_masked": "6217****1234"},
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="too-much",
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("credit-limit-exceeded")


def test_cash_drawdown_with_payee_and_balance_transfer(api, borrower, cash):
    apply(api, borrower, cash)
    reference = api.get("/api/v1/credit-lines").json()[0]["reference"]
    url = f"/api/v1/credit-lines/{reference}/drawdowns"
    payee = {"name": "ICBC card center", "account_masked": "6222****7777"}
    response = api.post(
        url,
        {
            "product": make_product("balance_transfer").code,
            "amount": "5000.00",
            "term": 12,
            "payee": payee,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="bt-1",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["payee_kind"], response.json()["payee_name"]) == (
        "card_issuer",
        "ICBC card center",
    )
    assert Decimal(response.json()["apr_nominal"]) > 0


def test_the_schema_lists_the_origination_endpoints(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for route in (
        "/api/v1/applications",
        "/api/v1/credit-lines",
        "/api/v1/credit-lines/{reference}/drawdowns",
    ):
        assert route in schema["paths"]
    assert Merchant.objects.count() == 0


def test_my_applications_are_listed_newest_first_with_decisions_and_reasons(
    api, borrower, cash, django_assert_max_num_queries
):
    approved = apply(api, borrower, cash).json()
    declined = apply(api, borrower, cash, consents=["data_processing"]).json()
    # a page costs the same few queries however many applications it holds
    with django_assert_max_num_queries(12):
        response = api.get("/api/v1/applications")
    assert response.status_code == 200
    page = response.json()
    assert page["results"] == [declined, approved]
    assert page["results"][0]["decision"]["reasons"][0]["code"] == "C01"
    assert page["results"][1]["credit_line"] == approved["credit_line"]
    # another borrower sees none of them
    stranger = client_for(make_borrower(name="Wang Fang"))
    assert stranger.get("/api/v1/applications").json()["results"] == []
    # and the list pages by cursor
    first = api.get("/api/v1/applications?page_size=1").json()
    assert [row["reference"] for row in first["results"]] == [declined["reference"]]
    rest = api.get(first["next"]).json()
    assert [row["reference"] for row in rest["results"]] == [approved["reference"]]
