"""Every API error is RFC 9457 problem+json, leaks nothing internal, and speaks Chinese when
asked to."""

import pytest
from django.db import IntegrityError
from rest_framework.test import APIClient

from .conftest import client_for, make_user, problem


@pytest.mark.django_db
def test_an_unknown_api_address_is_a_404_problem():
    response = APIClient().get("/api/v1/no-such-thing")
    assert problem(response)["status"] == 404


@pytest.mark.django_db
def test_a_wrong_method_is_a_405_problem_with_allow(client, loan):
    response = client.delete(f"/api/v1/loans/{loan.id}/schedule")
    assert problem(response)["status"] == 405
    assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_malformed_json_is_a_400_problem(client, loan):
    response = client.post(
        f"/api/v1/loans/{loan.id}/repayments",
        "{not json",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="parse-1",
    )
    assert problem(response)["status"] == 400


@pytest.mark.django_db
def test_an_unsupported_media_type_is_a_415_problem(client, loan):
    response = client.post(
        f"/api/v1/loans/{loan.id}/repayments",
        "<amount>1</amount>",
        content_type="application/xml",
        HTTP_IDEMPOTENCY_KEY="xml-1",
    )
    assert problem(response)["status"] == 415


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("SELECT national_id_ciphertext FROM loans_borrower WHERE id = 42"),
        IntegrityError('duplicate key value violates unique constraint "loans_loan_pkey"'),
    ],
)
def test_an_unexpected_error_is_a_generic_500_problem_that_leaks_nothing(
    client, loan, monkeypatch, error
):
    # given a bug deep in a read
    def broken(**kwargs):
        raise error

    monkeypatch.setattr("loans.api.loans.loan_schedule_for_user", broken)
    # when the borrower asks for the schedule
    response = client.get(f"/api/v1/loans/{loan.id}/schedule")
    # then they get a generic problem, with no SQL, trace or id in it
    body = problem(response)
    assert response.status_code == 500
    assert body["type"].endswith("/server-error")
    text = response.content.decode()
    for leak in ("SELECT", "Traceback", "loans_", "constraint", " 42", "File "):
        assert leak not in text


@pytest.mark.django_db
def test_problems_are_in_chinese_when_asked(client, other_loan, loan):
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    missing = problem(client.get(f"/api/v1/loans/{other_loan.id}", **zh))
    assert missing["title"] == "未找到。"
    assert missing["detail"] == "没有此编号的贷款。"
    invalid = problem(client.get(f"/api/v1/loans/{loan.id}/statement?month=x", **zh))
    assert invalid["title"] == "请求无效。"
    assert invalid["errors"]["month"] == ["请按 YYYY-MM 格式填写月份，例如 2026-03。"]
    no_key = problem(client.post(f"/api/v1/loans/{loan.id}/repayments", {"amount": "1.00"}, **zh))
    assert no_key["title"] == "需要提供 Idempotency-Key 请求头。"
    anonymous = problem(APIClient().get("/api/v1/loans", **zh))
    assert anonymous["detail"] == "身份认证信息未提供。"  # DRF's own catalogue
    english = problem(client.get(f"/api/v1/loans/{other_loan.id}"))
    assert english["title"] == "Not found."


@pytest.mark.django_db
def test_domain_error_titles_are_translated(loan):
    officer = make_user(staff=True, groups=("loan officer",))
    response = client_for(officer).post(
        f"/api/v1/backoffice/loans/{loan.id}/approve", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    body = problem(response)
    assert body["status"] == 409
    assert body["title"] == "贷款在当前状态下无法进行此操作。"


@pytest.mark.django_db
def test_transactions_are_described_in_chinese(client, loan):
    rows = client.get(
        f"/api/v1/loans/{loan.id}/transactions", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()["results"]
    assert rows[0]["description"] == "贷款已放款"
