"""Back-office endpoints: staff with the matching permission only, every action audited, and
write-offs through maker-checker."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.models import AuditEvent
from ledger.selectors import loan_balances, trial_balance
from loans.models import AdjustmentRequest, Installment, Loan, Repayment
from tests.lifecycle.factories import assert_books_consistent, make_loan, reload

from .conftest import client_for, make_user, problem, staff_events

D = Decimal


@pytest.fixture
def officer(db):
    return make_user(staff=True, groups=("loan officer",))


@pytest.fixture
def approver(db):
    return make_user(staff=True, groups=("approver",))


@pytest.fixture
def pending(borrower_user, today):
    return make_loan("5000.00", 6, today, borrower=borrower_user[1], approve=False)


@pytest.mark.django_db
def test_a_loan_officer_approves_a_pending_loan_and_the_action_is_audited(officer, pending):
    response = client_for(officer).post(
        f"/api/v1/backoffice/loans/{pending.id}/approve", {"reason": "documents checked"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    event = AuditEvent.objects.get(action="loan.approve")
    assert event.actor == officer
    assert event.object_id == str(pending.id)
    assert event.before["status"] == "pending" and event.after["status"] == "approved"
    assert event.reason == "documents checked" and event.source == "api"


@pytest.mark.django_db
@pytest.mark.parametrize("groups", [("viewer",), ("collector",), ("auditor",)])
def test_staff_without_the_permission_get_403_and_nothing_changes(pending, groups):
    user = make_user(staff=True, groups=groups)
    response = client_for(user).post(f"/api/v1/backoffice/loans/{pending.id}/approve")
    assert problem(response)["status"] == 403
    assert reload(pending).status == "pending"
    assert not staff_events().exists()


@pytest.mark.django_db
def test_borrowers_and_anonymous_callers_cannot_reach_the_back_office(client, pending):
    assert problem(client.post(f"/api/v1/backoffice/loans/{pending.id}/approve"))["status"] == 403
    anonymous = APIClient().post(f"/api/v1/backoffice/loans/{pending.id}/approve")
    assert problem(anonymous)["status"] == 401


@pytest.mark.django_db
def test_a_permission_without_staff_status_is_not_enough(pending):
    user = make_user(staff=False, groups=("loan officer",))
    response = client_for(user).post(f"/api/v1/backoffice/loans/{pending.id}/approve")
    assert problem(response)["status"] == 403


@pytest.mark.django_db
def test_an_illegal_transition_is_a_409_problem(officer, loan):
    response = client_for(officer).post(f"/api/v1/backoffice/loans/{loan.id}/approve")
    body = problem(response)
    assert response.status_code == 409
    assert body["type"].endswith("/illegal-transition")


@pytest.mark.django_db
def test_unknown_loan_is_a_404(officer):
    assert (
        problem(client_for(officer).post("/api/v1/backoffice/loans/999999/approve"))["status"]
        == 404
    )


@pytest.mark.django_db
def test_reject_needs_a_reason(officer, pending):
    staff = client_for(officer)
    assert (
        "reason" in problem(staff.post(f"/api/v1/backoffice/loans/{pending.id}/reject"))["errors"]
    )
    response = staff.post(f"/api/v1/backoffice/loans/{pending.id}/reject", {"reason": "income"})
    assert response.json()["status"] == "rejected"


@pytest.mark.django_db
def test_disbursing_an_approved_loan_builds_its_schedule(officer, borrower_user, today):
    approved = make_loan("5000.00", 6, today, borrower=borrower_user[1])
    response = client_for(officer).post(f"/api/v1/backoffice/loans/{approved.id}/disburse")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "active"
    assert Installment.objects.filter(loan=approved).count() == 6
    assert AuditEvent.objects.filter(action="loan.disburse").count() == 1
    assert_books_consistent(approved)


@pytest.mark.django_db
def test_a_bank_repayment_is_idempotent_and_audited(officer, loan):
    staff = client_for(officer)
    url = f"/api/v1/backoffice/loans/{loan.id}/repayments"
    body = {"amount": "500.00", "external_reference": "BANK-123"}
    assert problem(staff.post(url, body, format="json"))["status"] == 400  # no key
    first = staff.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="bank-1")
    again = staff.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="bank-1")
    assert first.status_code == again.status_code == 201, first.json()
    assert first.json()["channel"] == "bank"
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert AuditEvent.objects.filter(action="repayment.record").count() == 1


@pytest.mark.django_db
def test_a_bank_repayment_dated_before_the_payout_is_refused(officer, loan):
    response = client_for(officer).post(
        f"/api/v1/backoffice/loans/{loan.id}/repayments",
        {"amount": "500.00", "value_date": "2025-12-01"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="bank-early",
    )
    assert problem(response)["status"] == 422


@pytest.mark.django_db
def test_reversing_a_returned_repayment(officer, client, loan):
    paid = client.post(
        f"/api/v1/loans/{loan.id}/repayments",
        {"amount": "300.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="to-reverse",
    ).json()
    staff = client_for(officer)
    url = f"/api/v1/backoffice/repayments/{paid['id']}/reverse"
    assert "reason" in problem(staff.post(url))["errors"]
    response = staff.post(url, {"reason": "bounced"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "reversed"
    event = AuditEvent.objects.get(action="repayment.reverse")
    assert event.before["status"] == "posted" and event.after["status"] == "reversed"
    assert_books_consistent(loan)


@pytest.mark.django_db
def test_a_write_off_is_asked_by_one_user_and_applied_by_another(officer, approver, loan):
    # given a loan officer asks for a write-off
    asked = client_for(officer).post(
        f"/api/v1/backoffice/loans/{loan.id}/write-off", {"reason": "borrower deceased"}
    )
    assert asked.status_code == 202, asked.json()
    adjustment_id = asked.json()["id"]
    assert reload(loan).status == "active"
    # when the officer tries to approve it themselves, they are refused
    own = client_for(officer).post(f"/api/v1/backoffice/adjustments/{adjustment_id}/approve")
    assert problem(own)["status"] == 403
    # and when an approver approves it, it is applied
    done = client_for(approver).post(
        f"/api/v1/backoffice/adjustments/{adjustment_id}/approve", {"note": "ok"}
    )
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "applied" and done.json()["decided_by"] == approver.username
    assert reload(loan).status == "charged_off"
    assert [e.action for e in staff_events().order_by("id")] == [
        "adjustment.request",
        "adjustment.approve",
    ]
    balances = loan_balances(loan_id=loan.id)
    assert all(balances.get(code, 0) == 0 for code in ("1303", "1132", "1133", "1134"))
    assert trial_balance().balanced
    # and it cannot be decided twice
    again = client_for(make_user(staff=True, groups=("approver",))).post(
        f"/api/v1/backoffice/adjustments/{adjustment_id}/reject"
    )
    assert problem(again)["status"] == 409


@pytest.mark.django_db
def test_an_approver_can_reject_a_write_off(officer, approver, loan):
    asked = (
        client_for(officer)
        .post(f"/api/v1/backoffice/loans/{loan.id}/write-off", {"reason": "no contact"})
        .json()
    )
    response = client_for(approver).post(
        f"/api/v1/backoffice/adjustments/{asked['id']}/reject", {"note": "keep collecting"}
    )
    assert response.json()["status"] == "rejected"
    assert reload(loan).status == "active"
    assert AdjustmentRequest.objects.get().decision_note == "keep collecting"


@pytest.mark.django_db
def test_a_pending_loan_cannot_be_written_off(officer, pending):
    response = client_for(officer).post(
        f"/api/v1/backoffice/loans/{pending.id}/write-off", {"reason": "x"}
    )
    assert problem(response)["status"] == 409
    assert not AdjustmentRequest.objects.exists()


@pytest.mark.django_db
def test_loan_status_is_unchanged_by_a_failed_approval(approver, loan):
    # the approver group has no disburse permission
    response = client_for(approver).post(f"/api/v1/backoffice/loans/{loan.id}/disburse")
    assert problem(response)["status"] == 403
    assert Loan.objects.get(pk=loan.pk).status == "active"
