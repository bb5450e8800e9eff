"""The back-office admin: transition buttons, masked borrowers, maker-checker, audit trail,
dashboard."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, transaction
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from ledger.selectors import loan_balances
from loans.models import AdjustmentRequest, Installment
from tests.lifecycle.factories import assert_books_consistent, close_steps, make_loan, reload

from .conftest import make_borrower_user, make_user, staff_events

D = Decimal


def staff_client(*groups: str):
    user = make_user(staff=True, groups=groups)
    client = Client()
    client.force_login(user)
    return client, user


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def transition(client, loan, action, **data):
    url = reverse("admin:loans_loan_transition", args=[loan.pk, action])
    return client.post(url, data, follow=True)


@pytest.fixture
def pending(borrower_user, today):
    return make_loan("5000.00", 6, today, borrower=borrower_user[1], approve=False)


@pytest.mark.django_db
def test_the_loan_page_offers_the_transitions_the_user_may_make(pending):
    officer, _ = staff_client("loan officer")
    page = officer.get(reverse("admin:loans_loan_change", args=[pending.pk])).content.decode()
    assert 'id="transition-approve"' in page and 'id="transition-reject"' in page
    assert 'id="transition-disburse"' not in page  # not approved yet
    viewer, _ = staff_client("viewer")
    page = viewer.get(reverse("admin:loans_loan_change", args=[pending.pk])).content.decode()
    assert "transition-approve" not in page


@pytest.mark.django_db
def test_approving_then_disbursing_from_the_loan_page(pending):
    officer, user = staff_client("loan officer")
    response = transition(officer, pending, "approve")
    assert f"Loan {pending.reference} approved." in messages_of(response)
    assert reload(pending).status == "approved"
    response = transition(officer, pending, "disburse")
    assert reload(pending).status == "active"
    assert Installment.objects.filter(loan=pending).count() == 6
    events = list(staff_events().order_by("id").values_list("action", "actor", "source"))
    assert events == [("loan.approve", user.pk, "admin"), ("loan.disburse", user.pk, "admin")]
    assert_books_consistent(pending)


@pytest.mark.django_db
def test_a_domain_error_is_shown_as_a_message_and_changes_nothing(loan):
    officer, _ = staff_client("loan officer")
    response = transition(officer, loan, "approve")
    assert response.status_code == 200
    [message] = messages_of(response)
    assert "cannot approve" in message
    assert reload(loan).status == "active"
    assert not staff_events().exists()


@pytest.mark.django_db
def test_reject_without_a_reason_is_refused_with_a_message(pending):
    officer, _ = staff_client("loan officer")
    response = transition(officer, pending, "reject")
    assert "Give a reason" in messages_of(response)[0]
    assert reload(pending).status == "pending"
    transition(officer, pending, "reject", reason="income not verified")
    assert reload(pending).status == "rejected"


@pytest.mark.django_db
def test_a_user_without_the_permission_gets_403_from_the_button_view(pending):
    viewer, _ = staff_client("viewer")
    url = reverse("admin:loans_loan_transition", args=[pending.pk, "approve"])
    assert viewer.post(url).status_code == 403
    assert viewer.get(url).status_code == 405
    assert reload(pending).status == "pending"


@pytest.mark.django_db
def test_the_write_off_button_only_asks_for_a_write_off(loan):
    officer, user = staff_client("loan officer")
    response = transition(officer, loan, "write_off", reason="fraud confirmed")
    assert "another user must approve it" in messages_of(response)[0]
    adjustment = AdjustmentRequest.objects.get()
    assert adjustment.kind == "write_off" and adjustment.requested_by == user
    assert reload(loan).status == "active"


@pytest.mark.django_db
def test_borrowers_are_masked_and_unmasking_needs_the_permission_and_is_audited(borrower_user):
    _, borrower = borrower_user
    url = reverse("admin:loans_borrower_change", args=[borrower.pk])
    unmask = reverse("admin:loans_borrower_unmask", args=[borrower.pk])
    viewer, _ = staff_client("viewer")
    page = viewer.get(url).content.decode()
    assert borrower.national_id_masked in page
    assert borrower.national_id not in page and borrower.mobile not in page
    assert "unmask-borrower" not in page
    assert viewer.post(unmask).status_code == 403
    assert not staff_events().exists()
    officer, user = staff_client("loan officer")
    assert "unmask-borrower" in officer.get(url).content.decode()
    revealed = officer.post(unmask).content.decode()
    assert borrower.national_id in revealed and borrower.mobile in revealed
    event = staff_events().get()
    assert (event.action, event.actor, event.object_id) == (
        "borrower.unmask",
        user,
        str(borrower.pk),
    )
    assert borrower.national_id not in str(event.after)


@pytest.mark.django_db
def test_borrower_list_shows_only_masked_data(borrower_user):
    _, borrower = borrower_user
    viewer, _ = staff_client("viewer")
    page = viewer.get(reverse("admin:loans_borrower_changelist")).content.decode()
    assert borrower.national_id_masked in page and borrower.national_id not in page


@pytest.fixture
def fee_loan(today):
    """A loan whose 100.00 upfront fee is charged on its first installment (not withheld)."""
    _, borrower = make_borrower_user()
    loan = make_loan(
        "6000.00",
        6,
        today,
        borrower=borrower,
        upfront_fee_amount=D("100.00"),
        upfront_fee_withheld=False,
    )
    from loans.services.disbursement import loan_disburse

    return loan_disburse(loan=loan, business_date=today, actor="tester")


def ask(client, loan, **fields):
    data = {"loan": loan.pk, "reason": "goodwill", "amount": "", "repayment_id": "", **fields}
    return client.post(reverse("admin:loans_adjustmentrequest_add"), data, follow=True)


def decide(client, adjustment, decision="approve"):
    url = reverse("admin:loans_adjustmentrequest_decide", args=[adjustment.pk, decision])
    return client.post(url, {"note": "checked"}, follow=True)


@pytest.mark.django_db
def test_maker_checker_a_fee_waiver_is_applied_only_when_another_user_approves(fee_loan):
    assert loan_balances(loan_id=fee_loan.pk)["1133"] == D("100.00")
    # given a loan officer asks to waive 60.00 of fees
    officer, maker = staff_client("loan officer")
    ask(officer, fee_loan, kind="waive_fee", amount="60.00")
    adjustment = AdjustmentRequest.objects.get()
    assert adjustment.status == "pending" and adjustment.requested_by == maker
    # when the same user tries to approve it (even holding the approver role too)
    maker.groups.add(*type(maker.groups.first()).objects.filter(name="approver"))
    response = decide(officer, adjustment)
    # then it is refused and nothing is applied
    assert "another user" in messages_of(response)[0]
    assert AdjustmentRequest.objects.get().status == "pending"
    assert loan_balances(loan_id=fee_loan.pk)["1133"] == D("100.00")
    # when a different approver approves it
    approver, checker = staff_client("approver")
    response = decide(approver, adjustment)
    # then the fee is waived in the ledger and the schedule, and both users are recorded
    assert "approved and applied" in messages_of(response)[0]
    adjustment.refresh_from_db()
    assert (adjustment.status, adjustment.decided_by) == ("applied", checker)
    assert loan_balances(loan_id=fee_loan.pk)["1133"] == D("40.00")
    first = Installment.objects.get(loan=fee_loan, number=1)
    assert (first.fee_due, first.fee_charged) == (D("40.00"), D("40.00"))
    assert_books_consistent(fee_loan)
    actions = list(staff_events().order_by("id").values_list("action", "actor"))
    assert actions == [("adjustment.request", maker.pk), ("adjustment.approve", checker.pk)]


@pytest.mark.django_db
def test_asking_to_waive_more_than_is_owed_is_a_form_error(fee_loan):
    officer, _ = staff_client("loan officer")
    response = ask(officer, fee_loan, kind="waive_fee", amount="150.00")
    assert "cannot be waived" in response.content.decode()
    assert not AdjustmentRequest.objects.exists()


@pytest.mark.django_db
def test_a_penalty_waiver(loan, today):
    # the closes after the first installment fell due booked penalty interest on it
    first_due = Installment.objects.get(loan=loan, number=1).due_date
    for days in range(1, 4):
        close_steps(first_due + timedelta(days=days), "due", "delinquency", "penalties", loan=loan)
    first = Installment.objects.get(loan=loan, number=1)
    assert first.penalty_due > 0
    officer, _ = staff_client("loan officer")
    ask(officer, loan, kind="waive_penalty", amount=str(first.penalty_due))
    approver, _ = staff_client("approver")
    decide(approver, AdjustmentRequest.objects.get())
    assert loan_balances(loan_id=loan.pk).get("1134", D(0)) == 0
    assert Installment.objects.get(pk=first.pk).penalty_due == 0
    assert_books_consistent(loan)


@pytest.mark.django_db
def test_correcting_a_repayment_reverses_it_and_posts_the_right_amount(client, loan):
    paid = client.post(
        f"/api/v1/loans/{loan.id}/repayments",
        {"amount": "500.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="fix-me",
    ).json()
    officer, _ = staff_client("loan officer")
    ask(officer, loan, kind="correct_repayment", amount="50.00", repayment_id=paid["id"])
    approver, _ = staff_client("approver")
    decide(approver, AdjustmentRequest.objects.get())
    adjustment = AdjustmentRequest.objects.get()
    assert adjustment.status == "applied", adjustment.result
    repayments = {r.pk: r for r in loan.repayments.all()}
    assert repayments[paid["id"]].status == "reversed"
    assert repayments[adjustment.result["corrected_repayment"]].amount == D("50.00")
    assert_books_consistent(loan)


@pytest.mark.django_db
def test_a_rejected_request_changes_nothing(fee_loan):
    officer, _ = staff_client("loan officer")
    ask(officer, fee_loan, kind="waive_fee", amount="10.00")
    approver, _ = staff_client("approver")
    decide(approver, AdjustmentRequest.objects.get(), "reject")
    assert AdjustmentRequest.objects.get().status == "rejected"
    assert loan_balances(loan_id=fee_loan.pk)["1133"] == D("100.00")


@pytest.mark.django_db
def test_the_database_refuses_a_decision_by_the_requester(fee_loan):
    officer, maker = staff_client("loan officer")
    ask(officer, fee_loan, kind="waive_fee", amount="10.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        AdjustmentRequest.objects.update(status="rejected", decided_by=maker)


@pytest.mark.django_db
def test_the_audit_trail_is_read_only_in_the_admin_and_in_the_database(pending):
    officer, _ = staff_client("loan officer")
    transition(officer, pending, "approve")
    event = staff_events().get()
    auditor, _ = staff_client("auditor")
    page = auditor.get(reverse("admin:core_auditevent_change", args=[event.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert auditor.get(reverse("admin:core_auditevent_changelist")).status_code == 200
    for change in (lambda: AuditEvent.objects.update(action="x"), AuditEvent.objects.all().delete):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            change()


@pytest.mark.django_db
def test_the_dashboard_shows_the_portfolio_with_charts(loan, pending):
    viewer, _ = staff_client("viewer")
    page = viewer.get(reverse("admin:index")).content.decode()
    assert 'id="portfolio-dashboard"' in page
    assert page.count('<svg role="img"') == 3
    assert "principal outstanding" in page and "12,000.00" in page


@pytest.mark.django_db
def test_the_shipped_groups_exist_with_their_permissions():
    from django.contrib.auth.models import Group

    groups = {g.name: {p.codename for p in g.permissions.all()} for g in Group.objects.all()}
    assert {"viewer", "loan officer", "collector", "approver", "auditor"} <= set(groups)
    assert "approve_adjustmentrequest" in groups["approver"]
    assert "approve_adjustmentrequest" not in groups["loan officer"]
    assert "view_auditevent" in groups["auditor"]
    assert "unmask_borrower" not in groups["viewer"]
