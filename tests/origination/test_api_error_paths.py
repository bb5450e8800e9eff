"""Issue 25 item 3: nested validation errors name dotted field paths with plain messages, and
DRF's titles with placeholders are formatted."""

from datetime import date

import pytest

from ledger.services import business_date_open

from .factories import make_borrower, make_product
from .test_api import apply, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def books():
    business_date_open(on=date(2026, 1, 15))


def problem_errors(response) -> dict:
    assert response.status_code == 400, response.json()
    assert response["Content-Type"] == "application/problem+json"
    return response.json()["errors"]


def test_a_bad_list_item_is_named_by_its_dotted_path():
    borrower = make_borrower()
    api = client_for(borrower)
    errors = problem_errors(apply(api, borrower, make_product("cash_loan"), consents=["x"]))
    assert list(errors) == ["consents.0"]
    assert errors["consents.0"] == ['"x" is not a valid choice.']


def test_a_nested_object_is_named_by_its_dotted_path():
    borrower = make_borrower()
    api = client_for(borrower)
    cash = make_product("cash_loan")
    apply(api, borrower, cash)
    line = api.get("/api/v1/credit-lines").json()[0]["reference"]
    response = api.post(
        f"/api/v1/credit-lines/{line}/drawdowns",
        {"product": cash.code, "amount": "100.00", "term": 6, "payee": {}},
        format="json",
        HTTP_IDEMPOTENCY_KEY="payee-1",
    )
    errors = problem_errors(response)
    assert errors == {
        "payee.name": ["This field is required."],
        "payee.account_masked": ["This field is required."],
    }
    assert "ErrorDetail" not in response.content.decode()


def test_placeholder_titles_are_formatted():
    borrower = make_borrower()
    api = client_for(borrower)
    method = api.delete("/api/v1/credit-lines")
    assert method.status_code == 405
    assert method.json()["title"] == 'Method "DELETE" not allowed.'
    media = api.post("/api/v1/applications", "<x/>", content_type="application/xml")
    assert media.status_code == 415
    assert media.json()["title"] == 'Unsupported media type "application/xml" in request.'
    for body in (method.json(), media.json()):
        assert "{" not in body["title"]
