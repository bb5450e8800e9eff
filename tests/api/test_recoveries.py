"""Recoveries through the API: the borrower's repayment endpoint and the back office's bank
repayment accept payments on a charged-off loan as recoveries (with their source), refuse one
beyond the written-off amount with the figures, replay a retried key, and reverse a bounced one."""

from decimal import Decimal

import pytest

from core.models import AuditEvent
from ledger import chart
from ledger.selectors import loan_balances
from loans.models import Repayment
from loans.selectors.recoveries import loan_recovery
from loans.services.waivers import loan_write_off
from tests.lifecycle.factories import assert_books_consistent, reload

from .conftest import client_for, make_user, problem

D = Decimal


@pytest.fixture
def officer(db):
    return make_user(staff=True, groups=("loan officer",))


@pytest.fixture
def charged_off(loan, today):
    loan_write_off(loan=loan, business_date=today, actor="tester", reason="unreachable")
    loan = reload(loan)
    assert loan_recovery(loan=loan).written_off == D("12000.00")
    return loan


@pytest.mark.django_db
def test_the_borrower_pays_a_charged_off_loan_through_the_app(client, charged_off):
    url = f"/api/v1/loans/{charged_off.id}/repayments"
    first = client.post(url, {"amount": "400.00"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = client.post(url, {"amount": "400.00"}, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == again.status_code == 201, first.json()
    body = first.json()
    assert (body["kind"], body["source"], body["loan_status"]) == (
        "recovery",
        "borrower",
        "charged_off",
    )
    assert body["allocated"] == {} and again.json() == body
    assert loan_balances(loan_id=charged_off.id)[chart.RECOVERIES] == D("400.00")
    # beyond what was written off it is refused with the figures, and nothing is posted
    beyond = client.post(url, {"amount": "11600.01"}, format="json", HTTP_IDEMPOTENCY_KEY="r-2")
    refused = problem(beyond)
    assert refused["status"] == 422
    assert "12000.00" in refused["detail"] and "11600.00" in refused["detail"]
    assert Repayment.objects.filter(loan=charged_off).count() == 1
    # and the borrower's transactions show the write-off and the payment after it
    rows = client.get(f"/api/v1/loans/{charged_off.id}/transactions").json()["results"]
    shown = {row["kind"]: (row["amount"], row["description"]) for row in rows}
    assert shown["write_off"][0] == "12000.00"
    assert shown["recovery"] == ("400.00", "Payment after the write-off")
    zh = client.get(
        f"/api/v1/loans/{charged_off.id}/transactions", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()["results"]
    assert "核销后还款" in {row["description"] for row in zh}
    assert_books_consistent(charged_off)


@pytest.mark.django_db
def test_staff_record_an_agencys_recovery_and_reverse_it_when_it_bounces(officer, charged_off):
    staff = client_for(officer)
    url = f"/api/v1/backoffice/loans/{charged_off.id}/repayments"
    body = {"amount": "2500.00", "source": "agency", "external_reference": "AG-7"}
    recorded = staff.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="ag-7")
    assert recorded.status_code == 201, recorded.json()
    assert (recorded.json()["kind"], recorded.json()["source"]) == ("recovery", "agency")
    event = AuditEvent.objects.get(action="recovery.record")
    assert event.after["source"] == "agency" and event.after["kind"] == "recovery"
    assert loan_recovery(loan=charged_off).recovered == D("2500.00")
    # an unknown source is a 400
    odd = staff.post(url, {**body, "source": "lottery"}, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert "source" in problem(odd)["errors"]
    # when it bounces, staff reverse it: it no longer counts
    reversed_ = staff.post(
        f"/api/v1/backoffice/repayments/{recorded.json()['id']}/reverse", {"reason": "bounced"}
    )
    assert reversed_.status_code == 200, reversed_.json()
    assert reversed_.json()["status"] == "reversed"
    assert loan_recovery(loan=charged_off).recovered == 0
    assert loan_balances(loan_id=charged_off.id)[chart.RECOVERIES] == 0
    assert_books_consistent(charged_off)


@pytest.mark.django_db
def test_a_source_on_an_open_loans_repayment_is_refused(officer, loan):
    response = client_for(officer).post(
        f"/api/v1/backoffice/loans/{loan.id}/repayments",
        {"amount": "100.00", "source": "agency"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="open-source",
    )
    assert problem(response)["status"] == 422
    assert not Repayment.objects.filter(loan=loan).exists()


@pytest.mark.django_db
def test_a_prepayment_on_a_charged_off_loan_is_a_409(client, charged_off):
    response = client.post(
        f"/api/v1/loans/{charged_off.id}/prepayments",
        {"amount": "100.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="pre",
    )
    assert problem(response)["status"] == 409
    assert not Repayment.objects.filter(loan=charged_off).exists()
