"""The borrower asks through the API; staff decide in the admin (maker-checker, audited)."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from loans.models import LoanModification
from tests.lifecycle.factories import assert_books_consistent, schedule

from .conftest import client_for, make_user, problem

pytestmark = pytest.mark.django_db


def staff(*codenames):
    user = make_user(staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client, user


def test_the_borrower_quotes_then_asks_for_a_holiday(borrower_user, loan):
    client = client_for(borrower_user[0])
    body = {"kind": "payment_holiday", "installments": 2}
    quote = client.post(f"/api/v1/loans/{loan.id}/modifications/quote", body, format="json")
    assert quote.status_code == 200, quote.json()
    preview = quote.json()
    assert len(preview["schedule_before"]) == 12 and len(preview["schedule_after"]) == 14
    assert [row["total"] for row in preview["schedule_after"][:2]] == ["0.00", "0.00"]
    assert not LoanModification.objects.exists()
    asked = client.post(f"/api/v1/loans/{loan.id}/modifications", body, format="json")
    assert asked.status_code == 201, asked.json()
    modification = LoanModification.objects.get()
    assert asked.json()["status"] == "requested"
    assert modification.requested_by == f"borrower:{loan.borrower_id}"
    assert len(schedule(loan)) == 12  # nothing applied before staff approve


def test_bad_requests_are_problems_and_change_nothing(borrower_user, loan, other_loan):
    client = client_for(borrower_user[0])
    missing = client.post(
        f"/api/v1/loans/{loan.id}/modifications", {"kind": "reschedule"}, format="json"
    )
    assert missing.status_code == 400 and "term" in str(problem(missing))
    refused = client.post(
        f"/api/v1/loans/{loan.id}/modifications",
        {"kind": "reschedule", "term": 361},
        format="json",
    )
    assert refused.status_code == 400
    others = client.post(
        f"/api/v1/loans/{other_loan.id}/modifications",
        {"kind": "reschedule", "term": 24},
        format="json",
    )
    assert others.status_code == 404
    assert LoanModification.objects.filter(loan=other_loan).count() == 0


def test_staff_approve_from_the_queue_but_not_their_own_request(loan, today):
    maker, _ = staff(
        "add_loanmodification",
        "view_loanmodification",
        "request_modification",
        "approve_modification",
    )
    response = maker.post(
        reverse("admin:loans_loanmodification_add"),
        {
            "loan": loan.pk,
            "kind": "reschedule",
            "effective_date": today.isoformat(),
            "parameters": '{"term": 24}',
            "reason": "hardship",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    modification = LoanModification.objects.get()
    page = maker.get(reverse("admin:loans_loanmodification_change", args=[modification.pk]))
    assert b"modification-preview" in page.content and b"Before" in page.content
    decide = reverse("admin:loans_loanmodification_decide", args=[modification.pk, "approve"])
    maker.post(decide, {"note": "mine"})
    modification.refresh_from_db()
    assert modification.status == "requested"
    checker, user = staff("view_loanmodification", "view_loan", "approve_modification")
    queue = checker.get(reverse("admin:loans_loanmodification_changelist") + "?status=requested")
    assert str(modification.pk).encode() in queue.content
    checker.post(decide, {"note": "ok"})
    modification.refresh_from_db()
    assert (modification.status, modification.checked_by) == ("applied", user.username)
    assert len(schedule(loan)) == 24
    assert AuditEvent.objects.filter(action="modification.approve").count() == 1
    loan_page = checker.get(reverse("admin:loans_loan_change", args=[loan.pk]))
    assert b"Reschedule" in loan_page.content
    assert_books_consistent(loan)


def test_a_form_that_the_quote_refuses_shows_why(loan, today):
    maker, _ = staff("add_loanmodification", "view_loanmodification", "request_modification")
    response = maker.post(
        reverse("admin:loans_loanmodification_add"),
        {
            "loan": loan.pk,
            "kind": "rate_change",
            "effective_date": today.isoformat(),
            "parameters": "{}",
            "reason": "",
        },
    )
    assert response.status_code == 200
    assert "annual_rate" in str(response.context["adminform"].form.errors)
    assert not LoanModification.objects.exists()


def test_the_request_form_previews_the_quote_without_requesting(loan, today):
    """Preview: both schedules side by side and the APR before and after (a settlement: the
    payoff and the discount); nothing is requested until Save."""
    maker, _ = staff("add_loanmodification", "view_loanmodification", "request_modification")
    form = {
        "loan": loan.pk,
        "kind": "reschedule",
        "effective_date": today.isoformat(),
        "parameters": '{"term": 24}',
        "reason": "hardship",
        "_preview": "Preview",
    }
    page = maker.post(reverse("admin:loans_loanmodification_add"), form)
    assert page.status_code == 200
    quote = page.context["adminform"].form.preview_html
    assert "modification-preview" in quote and "APR before 0." in quote and "after 0." in quote
    assert b"modification-quote" in page.content and b"Preview only" in page.content
    assert not LoanModification.objects.exists()
    settlement = {**form, "kind": "settlement", "parameters": '{"amount": "100.00", '}
    settlement["parameters"] += f'"deadline": "{today.isoformat()}"}}'
    page = maker.post(reverse("admin:loans_loanmodification_add"), settlement)
    quote = page.context["adminform"].form.preview_html
    assert "settlement-preview" in quote and "Agreed amount 100.00" in quote
    assert not LoanModification.objects.exists()


def test_settlement_limits_are_listed_in_the_admin():
    admin = Client()
    admin.force_login(make_user(staff=True, is_superuser=True))
    page = admin.get(reverse("admin:loans_settlementlimit_changelist"))
    assert page.status_code == 200
    assert b"collector" in page.content and b"approver" in page.content
