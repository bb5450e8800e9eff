"""What an app needs without computing: the loan resource's next installment, overdue and due
amounts, installments paid, payoff amount and days past due; ETags on loan and schedule reads;
filters on the loan list and on transactions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger import chart
from ledger.selectors import loan_balances, loan_stored_balances
from ledger.services import business_date_current
from loans.models import Installment
from loans.selectors import consumer
from loans.selectors.consumer import BALANCE_CODES
from tests.eod.helpers import close_until

from .conftest import active_loan_for, problem

D = Decimal


def _repay(client, loan_id: int, amount: str, key: str):
    response = client.post(
        f"/api/v1/loans/{loan_id}/repayments",
        {"amount": amount},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 201, response.content
    return response


@pytest.mark.django_db
def test_the_loan_resource_tells_what_is_due_next_overdue_and_the_payoff(
    client, borrower_user, today
):
    # given a 3-week loan whose first installment fell due two days ago, 100.00 paid on it
    loan = active_loan_for(
        borrower_user[1], on=today, principal="3000.00", term=3, frequency="weekly"
    )
    first_due = loan.installments.get(number=1).due_date
    close_until(first_due + timedelta(days=2))
    _repay(client, loan.id, "100.00", "pos-1")
    # when the app reads the loan, its schedule and its payoff quote
    body = client.get(f"/api/v1/loans/{loan.id}").json()
    schedule = client.get(f"/api/v1/loans/{loan.id}/schedule").json()
    payoff = client.get(f"/api/v1/loans/{loan.id}/payoff-quote").json()
    # then the figures agree with the schedule, to the cent
    first, second = schedule[0], schedule[1]
    assert D(first["total_paid"]) == D("100.00")
    assert body["amount_overdue"] == first["outstanding"]
    assert body["amount_due_now"] == first["outstanding"]
    assert D(body["amount_overdue"]) > 0
    upcoming = body["next_installment"]
    assert upcoming["number"] == 2 and upcoming["due_date"] == second["due_date"]
    assert upcoming["amount"] == second["outstanding"]
    parts = D(upcoming["principal"]) + D(upcoming["interest"]) + D(upcoming["fees"])
    assert parts + D(upcoming["penalties"]) == D(upcoming["amount"])
    assert upcoming["principal"] == second["principal_due"]
    assert (body["installments_paid"], body["installments_total"]) == (0, 3)
    assert body["payoff_amount_today"] == payoff["total"]
    assert body["days_past_due"] == (business_date_current() - first_due).days == 2
    # and the balance read from the stored rows is the one the lines give
    every = loan_balances(loan_id=loan.id)
    stored = loan_stored_balances(loan_id=loan.id, codes=BALANCE_CODES)
    assert stored == {code: every[code] for code in BALANCE_CODES if code in every}
    assert D(body["balance"]["principal"]) == every[chart.LOANS_PRINCIPAL]
    # and the list carries the same figures
    listed = client.get("/api/v1/loans").json()["results"][0]
    for name in ("next_installment", "amount_overdue", "amount_due_now", "payoff_amount_today"):
        assert listed[name] == body[name]


@pytest.mark.django_db
def test_a_pending_loan_owes_nothing_yet_and_has_no_payoff_amount(client, product):
    applied = client.post(
        "/api/v1/loans", {"product": product.code, "principal": "3000.00", "term": 3}
    ).json()
    assert applied["status"] == "pending"
    assert applied["payoff_amount_today"] is None
    rows = Installment.objects.filter(loan_id=applied["id"]).count()
    assert applied["installments_total"] == rows
    assert applied["amount_due_now"] == applied["amount_overdue"] == "0.00"


@pytest.mark.django_db
def test_the_loan_list_costs_the_same_queries_for_one_loan_or_many(client, borrower_user, today):
    active_loan_for(borrower_user[1], on=today, term=3)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/loans").status_code == 200
    for _ in range(3):
        active_loan_for(borrower_user[1], on=today, term=12)
    with CaptureQueriesContext(connection) as four:
        assert len(client.get("/api/v1/loans").json()["results"]) == 4
    assert len(four) == len(one)


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "/schedule"])
def test_loan_and_schedule_reads_answer_304_while_unchanged(client, loan, suffix):
    # given a read and its ETag
    first = client.get(f"/api/v1/loans/{loan.id}{suffix}")
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    # when the app asks again with it, then nothing is sent
    again = client.get(f"/api/v1/loans/{loan.id}{suffix}", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    # and once the borrower pays, the same tag is stale: a 200 with a new one
    _repay(client, loan.id, "50.00", f"etag{suffix}")
    changed = client.get(f"/api/v1/loans/{loan.id}{suffix}", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


@pytest.mark.django_db
def test_the_loan_list_filters_by_status_and_application_date(
    client, borrower_user, today, product
):
    active = active_loan_for(borrower_user[1], on=today)
    pending = client.post(
        "/api/v1/loans", {"product": product.code, "principal": "3000.00", "term": 3}
    ).json()

    def ids(**params):
        return [row["id"] for row in client.get("/api/v1/loans", params).json()["results"]]

    assert ids(status="pending") == [pending["id"]]
    assert ids(status=["pending", "active"]) == [pending["id"], active.id]
    assert ids(applied_from=today.isoformat(), applied_to=today.isoformat()) == [
        pending["id"],
        active.id,
    ]
    assert ids(applied_from=(today + timedelta(days=1)).isoformat()) == []


@pytest.mark.django_db
def test_transactions_filter_by_date_range(client, loan, today):
    _repay(client, loan.id, "10.00", "tx-1")
    day = today.isoformat()
    assert len(client.get(f"/api/v1/loans/{loan.id}/transactions").json()["results"]) >= 2
    before = client.get(f"/api/v1/loans/{loan.id}/transactions", {"date_to": "2000-01-01"})
    assert before.json()["results"] == []
    on_day = client.get(
        f"/api/v1/loans/{loan.id}/transactions", {"date_from": day, "date_to": day}
    ).json()["results"]
    assert {row["kind"] for row in on_day} >= {"disbursement", "repayment"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "sleeping"}, "status.0"),
        ({"applied_from": "2026-13-01"}, "applied_from"),
        ({"applied_from": "2026-03-02", "applied_to": "2026-03-01"}, "applied_to"),
    ],
)
def test_a_bad_filter_is_a_400_problem_in_the_borrowers_language(client, params, field):
    body = problem(client.get("/api/v1/loans", params, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert field in body["errors"]
    assert body["title"] != "The request is not valid."  # translated


@pytest.mark.django_db
def test_the_orm_loan_read_costs_two_queries_whatever_the_term(
    client, borrower_user, today, monkeypatch
):
    # the path the SQLite demo takes: the loan with its product's name and the business date,
    # and its schedule rows (the token and the balances are prepared statements on PostgreSQL;
    # the prepared loan read itself is tested in test_prepared_reads)
    monkeypatch.setattr(consumer, "prepared_reads", lambda: False)
    counts = []
    for term in (3, 12):
        loan = active_loan_for(borrower_user[1], on=today, term=term)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/loans/{loan.id}").status_code == 200
        counts.append(len(queries))
    assert counts == [2, 2]
