"""The borrower's loans: list, detail, schedule, transactions, statements, payoff quote, apply.
Another borrower's loan is a 404 exactly like one that does not exist."""

import re
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from loans.models import Loan

from .conftest import active_loan_for, client_for, make_user, problem

D = Decimal


@pytest.mark.django_db
def test_a_borrower_lists_only_their_own_loans_newest_first_by_cursor(
    client, borrower_user, other_loan, today
):
    # given three loans of the borrower and one of someone else
    own = [active_loan_for(borrower_user[1], on=today) for _ in range(3)]
    # when they page through two at a time
    first = client.get("/api/v1/loans", {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    # then they see their three loans, newest first, and nothing else
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == [loan.id for loan in reversed(own)]
    assert other_loan.id not in ids
    assert second["next"] is None and second["previous"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/loans", "/api/v1/loans/{id}/transactions"])
def test_a_bad_cursor_is_a_400_naming_the_cursor(client, loan, path):
    body = problem(client.get(path.format(id=loan.id), {"cursor": "garbage!"}))
    assert body["status"] == 400 and "cursor" in body["errors"]


@pytest.mark.django_db
def test_loan_detail_shows_terms_apr_disclosure_and_balance(client, loan):
    body = client.get(f"/api/v1/loans/{loan.id}").json()
    assert body["reference"] == loan.reference
    assert body["status"] == "active"
    assert body["apr"]["nominal"] == str(loan.apr_nominal)
    assert body["balance"]["principal"] == "12000.00"
    assert body["balance"]["total"] == "12000.00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "suffix",
    ["", "/schedule", "/transactions", "/payoff-quote", "/statement?month=2026-01"],
)
def test_another_borrowers_loan_is_indistinguishable_from_a_missing_one(client, other_loan, suffix):
    # when a borrower asks for another's loan, and for an id that does not exist
    theirs = client.get(f"/api/v1/loans/{other_loan.id}{suffix}")
    missing = client.get(f"/api/v1/loans/987654{suffix}")
    # then both are the same 404 problem, which names no id
    assert theirs.status_code == missing.status_code == 404
    assert problem(theirs) == problem(missing)
    # (as a number of its own: a small id like 4 is inside the status 404)
    assert not re.search(rf"(?<!\d){other_loan.id}(?!\d)", theirs.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post"])
def test_another_borrowers_loan_cannot_be_paid_either(client, other_loan, method):
    response = client.post(
        f"/api/v1/loans/{other_loan.id}/repayments",
        {"amount": "10.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="theirs-1",
    )
    assert problem(response)["status"] == 404


@pytest.mark.django_db
def test_anonymous_callers_get_401_and_users_who_are_not_borrowers_get_403(loan):
    assert problem(APIClient().get(f"/api/v1/loans/{loan.id}"))["status"] == 401
    staff = client_for(make_user(staff=True))
    assert problem(staff.get("/api/v1/loans"))["status"] == 403


@pytest.mark.django_db
def test_the_schedule_lists_each_installment_with_due_paid_and_outstanding(client, loan):
    rows = client.get(f"/api/v1/loans/{loan.id}/schedule").json()
    assert [row["number"] for row in rows] == list(range(1, 13))
    assert sum(D(row["principal_due"]) for row in rows) == D("12000.00")
    assert all(D(row["outstanding"]) == D(row["total_due"]) for row in rows)


@pytest.mark.django_db
def test_transactions_speak_the_borrowers_language_not_journal_lines(client, loan):
    # given a repayment on the loan
    client.post(
        f"/api/v1/loans/{loan.id}/repayments",
        {"amount": "50.00", "external_reference": "wx-1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="t-1",
    )
    # when the borrower lists the transactions
    rows = client.get(f"/api/v1/loans/{loan.id}/transactions").json()["results"]
    # then they read a payout and a repayment, with what it paid
    assert [(row["kind"], row["direction"], row["amount"]) for row in rows] == [
        ("disbursement", "payout", "12000.00"),
        ("repayment", "payment", "50.00"),
    ]
    assert rows[1]["reference"] == "wx-1"
    assert sum(D(v) for v in rows[1]["components"].values()) == D("50.00")


@pytest.mark.django_db
def test_transactions_are_paginated_by_cursor(client, loan):
    for n in range(3):
        client.post(
            f"/api/v1/loans/{loan.id}/repayments",
            {"amount": "10.00"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"page-{n}",
        )
    first = client.get(f"/api/v1/loans/{loan.id}/transactions", {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 3 and len(second["results"]) == 1
    assert client.get(second["previous"]).json() == first


@pytest.mark.django_db
def test_the_monthly_statement_in_json_and_html(client, loan):
    # when the borrower asks for this month's statement
    body = client.get(f"/api/v1/loans/{loan.id}/statement", {"month": "2026-01"}).json()
    # then it shows the balances, the month's transactions and the next installment
    assert body["month"] == "2026-01"
    assert body["opening"]["total"] == "0.00"
    assert body["closing"]["principal"] == "12000.00"
    assert body["next_installment"]["number"] == 1
    html = client.get(f"/api/v1/loans/{loan.id}/statement", {"month": "2026-01", "format": "html"})
    assert html["Content-Type"].startswith("text/html")
    assert loan.reference in html.content.decode()
    by_accept = client.get(
        f"/api/v1/loans/{loan.id}/statement?month=2026-01", HTTP_ACCEPT="text/html"
    )
    assert by_accept["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("month", "status"),
    [
        ("2026-13", 400),
        ("January", 400),
        ("", 400),
        ("0000-10", 400),  # found by the schema fuzzer: it was a 500
        ("2026-03", 422),
        ("2025-11", 422),
    ],
)
def test_a_statement_for_a_bad_or_unavailable_month_is_a_problem(client, loan, month, status):
    response = client.get(f"/api/v1/loans/{loan.id}/statement", {"month": month})
    assert problem(response)["status"] == status


@pytest.mark.django_db
def test_statement_errors_stay_problem_json_when_html_was_asked_for(client, loan):
    response = client.get(f"/api/v1/loans/{loan.id}/statement?month=bad&format=html")
    assert problem(response)["status"] == 400


@pytest.mark.django_db
def test_the_payoff_quote_adds_up_and_defaults_to_today(client, loan, today):
    body = client.get(f"/api/v1/loans/{loan.id}/payoff-quote").json()
    assert body["on"] == today.isoformat()
    parts = sum(D(body[k]) for k in ("principal", "interest", "fees", "penalties"))
    assert D(body["total"]) == parts == D("12000.00")
    later = client.get(f"/api/v1/loans/{loan.id}/payoff-quote", {"date": "2026-01-31"}).json()
    assert D(later["interest"]) > 0


@pytest.mark.django_db
@pytest.mark.parametrize(("date", "status"), [("2025-12-31", 400), ("31/01/2026", 400)])
def test_a_payoff_quote_for_a_bad_date_is_a_400(client, loan, date, status):
    response = client.get(f"/api/v1/loans/{loan.id}/payoff-quote", {"date": date})
    assert problem(response)["status"] == status


@pytest.mark.django_db
def test_a_loan_not_yet_disbursed_has_no_payoff_quote(client, borrower_user, today):
    from tests.lifecycle.factories import make_loan

    pending = make_loan("1000.00", 3, today, borrower=borrower_user[1], approve=False)
    assert problem(client.get(f"/api/v1/loans/{pending.id}/payoff-quote"))["status"] == 409


def _application(product_, **overrides):
    return {"product": product_.code, "principal": "6000.00", "term": 6, **overrides}


@pytest.mark.django_db
def test_applying_from_a_quote_creates_a_pending_loan_with_the_apr_disclosed(
    client, borrower_user, product
):
    # given the borrower's quote
    quote = (
        APIClient()
        .post(
            "/api/v1/quotes",
            {"product": product.code, "principal": "6000.00", "term": 6},
            format="json",
        )
        .json()
    )
    # when they apply with the APR they were shown
    response = client.post(
        "/api/v1/loans",
        _application(product, disclosed_apr=quote["apr"]["nominal"]),
        format="json",
    )
    # then a pending loan is theirs, disclosing that APR
    assert response.status_code == 201, response.json()
    body = response.json()
    loan = Loan.objects.get(pk=body["id"])
    assert loan.borrower == borrower_user[1]
    assert loan.status == "pending"
    assert abs(loan.apr_nominal - D(quote["apr"]["nominal"])) < D("0.000001")
    assert body["apr"]["nominal"] == str(loan.apr_nominal)


@pytest.mark.django_db
def test_an_application_with_an_apr_other_than_the_quote_is_refused(client, product):
    response = client.post(
        "/api/v1/loans", _application(product, disclosed_apr="0.05"), format="json"
    )
    body = problem(response)
    assert response.status_code == 422
    assert body["type"].endswith("/apr-changed")
    assert not Loan.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"product": "no-such-product"}, "product"),
        ({"principal": 6000.5}, "principal"),
        ({"principal": "abc"}, "principal"),
        ({"term": 0}, "term"),
        ({"term": 5}, "term"),
        ({"principal": "50.00"}, "principal"),
    ],
)
def test_a_bad_application_is_a_400_naming_the_field(client, product, overrides, field):
    response = client.post("/api/v1/loans", _application(product, **overrides), format="json")
    body = problem(response)
    assert response.status_code == 400
    assert field in body["errors"]
    assert not Loan.objects.exists()


@pytest.mark.django_db
def test_a_loan_not_yet_disbursed_has_an_empty_schedule_not_a_404(client, borrower_user, today):
    from tests.lifecycle.factories import make_loan

    pending = make_loan("1000.00", 3, today, borrower=borrower_user[1], approve=False)
    response = client.get(f"/api/v1/loans/{pending.id}/schedule")
    assert response.status_code == 200 and response.json() == []


@pytest.mark.django_db
def test_a_staff_user_without_loans_gets_404_on_a_loan(loan):
    staff = client_for(make_user(staff=True))
    assert problem(staff.get(f"/api/v1/loans/{loan.id}/schedule"))["status"] == 404


@pytest.mark.django_db
def test_an_application_beyond_the_lending_limit_is_a_422_with_the_figures(client):
    from tests.lifecycle.factories import make_product

    cash = make_product(code="limits-cash")
    response = client.post(
        "/api/v1/loans",
        {"product": cash.code, "principal": "250000.00", "term": 12},
        format="json",
    )
    body = problem(response)
    assert response.status_code == 422
    assert body["type"].endswith("/lending-limit")
    assert "250000.00" in body["detail"] and "200000.00" in body["detail"]
    assert not Loan.objects.exists()
