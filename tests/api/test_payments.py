"""Repayments and prepayments: Idempotency-Key required, retries replay the first response, a
reused key with another body is a 422, concurrent duplicates post once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from rest_framework.settings import api_settings

from core.models import IdempotencyRecord
from ledger.models import JournalEntry
from loans.models import Repayment
from tests.lifecycle.factories import assert_books_consistent, make_loan

from .conftest import active_loan_for, client_for, make_borrower_user, problem

D = Decimal


def repay(client, loan, body, key):
    kwargs = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(f"/api/v1/loans/{loan.id}/repayments", body, format="json", **kwargs)


@pytest.mark.django_db
def test_a_repayment_posts_once_and_is_allocated(client, loan):
    response = repay(client, loan, {"amount": "1066.19"}, "pay-1")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "1066.19"
    assert body["channel"] == "app"
    assert sum(D(v) for v in body["allocated"].values()) + D(body["overpayment"]) == D("1066.19")
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert_books_consistent(loan)


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, "", "has space", "x" * 256])
def test_a_repayment_without_a_valid_idempotency_key_is_a_400_and_posts_nothing(client, loan, key):
    response = repay(client, loan, {"amount": "10.00"}, key)
    body = problem(response)
    assert response.status_code == 400
    assert body["type"].endswith("/idempotency-key-required")
    assert not Repayment.objects.exists()


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_response(client, loan):
    first = repay(client, loan, {"amount": "100.00"}, "same-1")
    again = repay(client, loan, {"amount": "100.00"}, "same-1")
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Repayment.objects.count() == 1
    assert JournalEntry.objects.filter(kind="repayment").count() == 1


@pytest.mark.django_db
def test_key_order_and_whitespace_do_not_make_another_request(client, loan):
    url = f"/api/v1/loans/{loan.id}/repayments"
    first = client.post(
        url,
        '{"amount": "5.00", "external_reference": "r"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="canon-1",
    )
    again = client.post(
        url,
        '{"external_reference":"r","amount":"5.00"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="canon-1",
    )
    assert again.json() == first.json()
    assert Repayment.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422_and_posts_nothing_more(client, loan):
    repay(client, loan, {"amount": "100.00"}, "reuse-1")
    response = repay(client, loan, {"amount": "200.00"}, "reuse-1")
    body = problem(response)
    assert response.status_code == 422
    assert body["type"].endswith("/idempotency-key-reused")
    assert Repayment.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_on_another_endpoint_or_loan_is_a_reuse(client, loan, borrower_user, today):
    second_loan = active_loan_for(borrower_user[1], on=today)
    repay(client, loan, {"amount": "100.00"}, "cross-1")
    other_loan = repay(client, second_loan, {"amount": "100.00"}, "cross-1")
    prepay = client.post(
        f"/api/v1/loans/{loan.id}/prepayments",
        {"amount": "100.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="cross-1",
    )
    assert other_loan.status_code == prepay.status_code == 422


@pytest.mark.django_db
def test_keys_belong_to_their_user(loan, other_loan):
    # given two borrowers using the same key on their own loans
    mine = client_for(loan.borrower.user)
    theirs = client_for(other_loan.borrower.user)
    # then both payments post: a key is unique per user, not across users
    assert repay(mine, loan, {"amount": "10.00"}, "shared").status_code == 201
    assert repay(theirs, other_loan, {"amount": "10.00"}, "shared").status_code == 201
    assert Repayment.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"amount": 10.5}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "-5"}, "amount"),
    ],
)
def test_a_bad_amount_is_a_400_that_leaves_the_key_unused(client, loan, body, field):
    response = repay(client, loan, body, "bad-1")
    assert field in problem(response)["errors"]
    assert not IdempotencyRecord.objects.exists()
    # the corrected request may reuse the key
    assert repay(client, loan, {"amount": "10.00"}, "bad-1").status_code == 201


@pytest.mark.django_db
def test_a_refusal_is_stored_and_replayed_too(client, borrower_user, today):
    # given a loan not yet disbursed
    pending = make_loan("1000.00", 3, today, borrower=borrower_user[1])
    # when the borrower tries to pay it, twice with the same key
    first = repay(client, pending, {"amount": "10.00"}, "early-1")
    again = repay(client, pending, {"amount": "10.00"}, "early-1")
    # then both are the same 409 problem (the second a replay), and nothing was posted
    assert problem(first)["status"] == 409
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert problem(again)["status"] == 409
    assert not Repayment.objects.exists()


@pytest.mark.django_db
def test_a_partial_prepayment_in_the_borrowers_mode(client, loan):
    response = client.post(
        f"/api/v1/loans/{loan.id}/prepayments",
        {"amount": "3000.00", "mode": "lower_installment"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="pre-1",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "prepayment"
    assert body["prepayment_mode"] == "lower_installment"
    assert_books_consistent(loan)


@pytest.mark.django_db
def test_a_prepayment_with_an_unknown_mode_is_a_400(client, loan):
    response = client.post(
        f"/api/v1/loans/{loan.id}/prepayments",
        {"amount": "100.00", "mode": "sideways"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="pre-bad",
    )
    assert "mode" in problem(response)["errors"]


@pytest.mark.django_db
def test_paying_the_payoff_quote_pays_the_loan_off(client, loan):
    total = client.get(f"/api/v1/loans/{loan.id}/payoff-quote").json()["total"]
    response = client.post(
        f"/api/v1/loans/{loan.id}/prepayments",
        {"amount": total, "payoff": True},
        format="json",
        HTTP_IDEMPOTENCY_KEY="off-1",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["loan_status"] == "paid_off"
    assert_books_consistent(loan)


@pytest.mark.django_db
def test_a_payoff_below_the_quote_is_a_422_with_the_figure(client, loan):
    response = client.post(
        f"/api/v1/loans/{loan.id}/prepayments",
        {"amount": "100.00", "payoff": True},
        format="json",
        HTTP_IDEMPOTENCY_KEY="off-low",
    )
    body = problem(response)
    assert response.status_code == 422
    assert "12000.00" in body["detail"]


@pytest.mark.django_db
def test_payments_are_throttled_per_user(client, loan):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "repayment": "2/min"}
    with override_settings(
        REST_FRAMEWORK={**api_settings.user_settings, "DEFAULT_THROTTLE_RATES": rates}
    ):
        codes = [repay(client, loan, {"amount": "1.00"}, f"t-{n}").status_code for n in range(3)]
    assert codes == [201, 201, 429]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicates_post_once_and_all_get_the_same_answer(today):
    # given a borrower's loan, committed
    user, borrower = make_borrower_user()
    loan = active_loan_for(borrower, on=today)
    barrier = threading.Barrier(6)
    responses = []

    def send() -> None:
        client = client_for(user)
        barrier.wait()
        try:
            responses.append(repay(client, loan, {"amount": "250.00"}, "race-1"))
        finally:
            connection.close()

    # when six identical requests arrive at once
    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then one repayment was posted and every caller got its response
    assert [r.status_code for r in responses] == [201] * 6
    assert all(r.json() == responses[0].json() for r in responses)
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert JournalEntry.objects.filter(kind="repayment").count() == 1
    assert_books_consistent(loan)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_distinct_payments_on_one_loan_all_post(today):
    user, borrower = make_borrower_user()
    loan = active_loan_for(borrower, on=today)
    barrier = threading.Barrier(4)
    codes = []

    def send(n: int) -> None:
        client = client_for(user)
        barrier.wait()
        try:
            codes.append(repay(client, loan, {"amount": "100.00"}, f"distinct-{n}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [201] * 4
    assert Repayment.objects.filter(loan=loan).count() == 4
    assert_books_consistent(loan)
