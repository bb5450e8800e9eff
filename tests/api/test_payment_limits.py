"""Issue 25 item 1: a borrower's payment on a paid-off loan is a 409, one far beyond the payoff a
422, and amounts are plain decimal strings; nothing is posted by a refused payment."""

from decimal import Decimal

import pytest
from django.test import override_settings

from core.models import IdempotencyRecord
from loans.models import Repayment
from tests.lifecycle.factories import assert_books_consistent

from .conftest import problem

D = Decimal


def pay(client, loan, path, body, key):
    return client.post(
        f"/api/v1/loans/{loan.id}/{path}", body, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def payoff_total(client, loan) -> Decimal:
    return D(client.get(f"/api/v1/loans/{loan.id}/payoff-quote").json()["total"])


@pytest.mark.django_db
def test_a_repayment_far_beyond_the_payoff_is_a_422_and_posts_nothing(client, loan):
    response = pay(client, loan, "repayments", {"amount": "9999999.00"}, "huge")
    body = problem(response)
    assert response.status_code == 422
    assert "12000.00" in body["detail"]
    assert not Repayment.objects.filter(loan=loan).exists()


@pytest.mark.django_db
@override_settings(PAYMENT_EXCESS_TOLERANCE="5.00")
def test_the_tolerance_beyond_the_payoff_is_configurable(client, loan):
    total = payoff_total(client, loan)
    over = pay(client, loan, "repayments", {"amount": str(total + D("5.01"))}, "over")
    assert over.status_code == 422
    within = pay(client, loan, "repayments", {"amount": str(total + D("5.00"))}, "within")
    assert within.status_code == 201, within.json()
    assert within.json()["overpayment"] == "5.00"
    assert within.json()["loan_status"] == "paid_off"
    assert_books_consistent(loan)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("repayments", {"amount": "10.00"}),
        ("prepayments", {"amount": "10.00"}),
        ("prepayments", {"amount": "10.00", "payoff": True}),
    ],
)
def test_a_paid_off_loan_takes_no_more_payments(client, loan, path, body):
    paid = pay(
        client,
        loan,
        "prepayments",
        {"amount": str(payoff_total(client, loan)), "payoff": True},
        "off",
    )
    assert paid.json()["loan_status"] == "paid_off"
    response = pay(client, loan, path, body, "after")
    assert response.status_code == 409
    assert "paid off" in problem(response)["detail"]
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert_books_consistent(loan)


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1e3", "1E3", "NaN", "Infinity", " 10.00", "1,000.00", "+10"])
def test_only_plain_decimal_strings_are_amounts(client, loan, amount):
    response = pay(client, loan, "repayments", {"amount": amount}, "plain")
    assert response.status_code == 400
    assert "amount" in problem(response)["errors"]
    assert not IdempotencyRecord.objects.exists()
    assert not Repayment.objects.exists()
