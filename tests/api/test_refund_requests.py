"""Issue 25 item 1: a borrower asks for an overpayment back through the API; an approver's admin
action posts the refund through the ledger (Dr 2241 / Cr 1002); nobody else can."""

from decimal import Decimal

import pytest
from django.test import Client, override_settings

from ledger.selectors import account_balance, loan_balances
from loans.models import RefundRequest, Repayment
from tests.lifecycle.factories import assert_books_consistent

from .conftest import make_user, problem

D = Decimal
URL = "/admin/loans/refundrequest/"


def overpay(client, loan, extra: str) -> None:
    total = D(client.get(f"/api/v1/loans/{loan.id}/payoff-quote").json()["total"])
    response = client.post(
        f"/api/v1/loans/{loan.id}/repayments",
        {"amount": str(total + D(extra))},
        format="json",
        HTTP_IDEMPOTENCY_KEY="overpay",
    )
    assert response.json()["overpayment"] == extra


def ask(client, loan, amount: str, key: str):
    return client.post(
        f"/api/v1/loans/{loan.id}/refund-requests",
        {"amount": amount},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def admin_client(*groups: str) -> Client:
    browser = Client()
    browser.force_login(make_user(staff=True, groups=groups))
    return browser


@pytest.mark.django_db
@override_settings(PAYMENT_EXCESS_TOLERANCE="100.00")
def test_a_borrower_asks_for_an_overpayment_back_and_an_approver_refunds_it(client, loan):
    overpay(client, loan, "80.00")
    # asking for more than is held is a 422; what is held can be asked for, once
    assert ask(client, loan, "80.01", "too-much").status_code == 422
    created = ask(client, loan, "50.00", "first")
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "pending"
    again = ask(client, loan, "30.01", "second")
    assert again.status_code == 422
    assert "30.00" in problem(again)["detail"]
    listing = client.get(f"/api/v1/loans/{loan.id}/refund-requests").json()
    assert listing["available"] == "30.00" and len(listing["results"]) == 1
    request_id = created.json()["id"]

    # a loan officer cannot decide it; an approver's action refunds it through the ledger
    officer = admin_client("loan officer")
    officer.post(URL, {"action": "approve", "_selected_action": [request_id]})
    assert RefundRequest.objects.get(pk=request_id).status == "pending"
    cash_before = account_balance(code="1002")
    approver = admin_client("approver")
    response = approver.post(URL, {"action": "approve", "_selected_action": [request_id]})
    assert response.status_code == 302
    decided = RefundRequest.objects.get(pk=request_id)
    assert decided.status == "refunded"
    assert decided.refund.kind == Repayment.Kind.REFUND and decided.refund.amount == D("50.00")
    assert account_balance(code="1002") == cash_before - D("50.00")
    assert loan_balances(loan_id=loan.pk)["2241"] == D("30.00")
    # approving again changes nothing
    approver.post(URL, {"action": "approve", "_selected_action": [request_id]})
    assert Repayment.objects.filter(loan=loan, kind="refund").count() == 1
    assert_books_consistent(loan)


@pytest.mark.django_db
def test_a_rejected_request_refunds_nothing_and_frees_the_amount(client, loan):
    overpay(client, loan, "20.00")
    request_id = ask(client, loan, "20.00", "all").json()["id"]
    assert ask(client, loan, "0.01", "more").status_code == 422
    admin_client("approver").post(URL, {"action": "reject", "_selected_action": [request_id]})
    assert RefundRequest.objects.get(pk=request_id).status == "rejected"
    assert not Repayment.objects.filter(loan=loan, kind="refund").exists()
    assert ask(client, loan, "20.00", "again").status_code == 201


@pytest.mark.django_db
def test_another_borrowers_loan_has_no_refund_requests(client, other_loan):
    assert ask(client, other_loan, "1.00", "theirs").status_code == 404
