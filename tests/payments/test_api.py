"""The payments API: a borrower starts a payment (an order with a pay-by reference) and reads
its status, grants and revokes a mandate; the back office lists orders, pays a loan out as an
order, imports a statement and reads the cash reconciliation; errors are problem+json."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from loans.models import Loan, Repayment
from payments.models import Mandate, PaymentOrder
from tests.api.conftest import client_for, make_user, problem
from tests.lifecycle.factories import make_loan

pytestmark = pytest.mark.django_db


def test_a_borrower_pays_through_an_order_and_reads_its_status(client, loan, other_loan):
    url = f"/api/v1/loans/{loan.pk}/payment-orders"
    response = client.post(url, {"amount": "300.00"}, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("PO") and body["status"] == "succeeded"
    assert body["amount_settled"] == "300.00"
    again = client.post(url, {"amount": "300.00"}, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert again.json()["reference"] == body["reference"]
    assert Repayment.objects.filter(loan=loan).count() == 1
    reused = client.post(url, {"amount": "301.00"}, format="json", HTTP_IDEMPOTENCY_KEY="p-1")
    assert problem(reused)["status"] == 422
    assert problem(client.post(url, {"amount": "1"}, format="json"))["status"] == 422
    beyond = client.post(url, {"amount": "99999.00"}, format="json", HTTP_IDEMPOTENCY_KEY="p-2")
    assert "pays the loan off" in problem(beyond)["detail"]
    status = client.get(f"/api/v1/payment-orders/{body['reference']}")
    assert status.json()["status"] == "succeeded"
    theirs = f"/api/v1/loans/{other_loan.pk}/payment-orders"
    assert (
        problem(client.post(theirs, {"amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="x"))[
            "status"
        ]
        == 404
    )


def test_a_borrower_grants_and_revokes_a_mandate(client, loan):
    url = f"/api/v1/loans/{loan.pk}/mandates"
    granted = client.post(
        url, {"account_reference": "6222****9999", "consent_text": "I authorize"}, format="json"
    )
    assert granted.status_code == 201
    second = client.post(
        url, {"account_reference": "6222****8888", "consent_text": "again"}, format="json"
    )
    assert problem(second)["status"] == 409
    assert [m["status"] for m in client.get(url).json()] == ["active"]
    revoked = client.post(f"/api/v1/mandates/{granted.json()['id']}/revoke")
    assert revoked.json()["status"] == "revoked"
    assert Mandate.objects.get().status == Mandate.Status.REVOKED


def test_callbacks_without_a_valid_signature_are_401_problems(client):
    response = client.post(
        "/api/v1/payments/callbacks/local", b'{"reference": "PO1"}', content_type="application/json"
    )
    assert problem(response)["status"] == 401


def test_the_back_office_pays_out_lists_orders_and_imports_a_statement(today):
    staff = make_user(staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="payments"))
    client = client_for(staff)
    loan = make_loan("5000.00", 6, today)
    paid = client.post(f"/api/v1/backoffice/loans/{loan.pk}/payouts")
    assert paid.status_code == 201 and paid.json()["status"] == "succeeded"
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.ACTIVE
    assert problem(client.post(f"/api/v1/backoffice/loans/{loan.pk}/payouts"))["status"] == 422
    listed = client.get("/api/v1/backoffice/payment-orders?status=succeeded").json()
    assert [o["purpose"] for o in listed] == ["disbursement"]
    by_loan = client.get(f"/api/v1/backoffice/payment-orders?loan={loan.pk}").json()
    assert [o["purpose"] for o in by_loan] == ["disbursement"]
    for bad in ("loan=abc", "loan=0", "status=paid"):
        assert problem(client.get(f"/api/v1/backoffice/payment-orders?{bad}"))["status"] == 400
    csv_text = (
        "statement_id,account,booking_date,amount,reference,closing_balance\n"
        f"S-API,6222,{today},-5000.00,{paid.json()['reference']},-5000.00\n"
    )
    upload = SimpleUploadedFile("s.csv", csv_text.encode(), content_type="text/csv")
    imported = client.post("/api/v1/backoffice/statements", {"file": upload}, format="multipart")
    assert imported.status_code == 201, imported.content
    assert (imported.json()["matched"], imported.json()["queued"]) == (1, 0)
    report = client.get("/api/v1/backoffice/cash-reconciliation").json()
    account = report["accounts"][0]
    assert account["statement_balance"] == "-5000.00" and account["ledger_balance"] == "-5000.00"
    assert account["difference"] == "0.00"
    assert PaymentOrder.objects.get().amount == Decimal("5000.00")
    nobody = client_for(make_user(staff=True))
    assert problem(nobody.get("/api/v1/backoffice/payment-orders"))["status"] == 403
