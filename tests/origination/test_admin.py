"""The back office: the manual-review queue with the decision trail and its buttons, credit
lines, merchants, policy versions and the block list."""

import json
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from ledger.services import business_date_open
from loans import pii
from origination.models import BlockListEntry, CreditLine, LoanApplication, PolicyVersion

from .factories import decide, draw, make_merchant, make_product, open_line, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    business_date_open(on=date(2026, 1, 15))
    user = get_user_model().objects.create_superuser("reviewer", "r@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def referred():
    application = submit(monthly_income="2000")
    decide(application)
    assert application.status == LoanApplication.Status.REFERRED
    return application


def test_the_review_queue_lists_referred_applications(staff, referred):
    url = reverse("admin:origination_loanapplication_changelist") + "?status__exact=referred"
    page = staff.get(url)
    assert page.status_code == 200
    assert referred.reference in page.content.decode()


def test_the_change_page_shows_the_trail_and_the_buttons(staff, referred):
    page = staff.get(reverse("admin:origination_loanapplication_change", args=[referred.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("velocity_device", "cutoff", "D04", "review-approve", "review-decline"):
        assert text in html


def test_approve_button_opens_the_line(staff, referred):
    url = reverse("admin:origination_loanapplication_review", args=[referred.pk, "approve"])
    response = staff.post(url, {"note": "payslips checked"})
    assert response.status_code == 302
    referred.refresh_from_db()
    assert referred.status == "approved"
    assert CreditLine.objects.filter(application=referred).exists()
    decision = referred.decisions.first()
    assert (decision.kind, decision.actor, decision.note) == (
        "manual",
        "reviewer",
        "payslips checked",
    )


def test_decline_button_without_a_note_is_refused_with_a_message(staff, referred):
    url = reverse("admin:origination_loanapplication_review", args=[referred.pk, "decline"])
    response = staff.post(url, {"note": ""}, follow=True)
    assert "needs a note" in response.content.decode()
    referred.refresh_from_db()
    assert referred.status == "referred"


def test_credit_line_and_merchant_pages(staff):
    cash = make_product("cash_loan")
    line = open_line(cash)
    shop = make_merchant()
    draw(line, make_product("ecommerce_installment"), "1000", 3, merchant=shop)
    assert (
        staff.get(reverse("admin:origination_creditline_change", args=[line.pk])).status_code == 200
    )
    assert staff.get(reverse("admin:origination_creditline_changelist")).status_code == 200
    response = staff.post(
        reverse("admin:origination_merchant_changelist"),
        {"action": "settle", "_selected_action": [shop.pk]},
        follow=True,
    )
    assert "1 drawdowns settled" in response.content.decode()
    response = staff.post(
        reverse("admin:origination_creditline_changelist"),
        {"action": "freeze_lines", "_selected_action": [line.pk]},
    )
    line.refresh_from_db()
    assert line.status == "frozen"


def test_a_policy_version_is_added_as_the_next_version(staff):
    from origination.policy_default import DEFAULT_POLICY

    response = staff.post(
        reverse("admin:origination_policyversion_add"),
        {
            "code": "retail",
            "description": "tighter",
            "policy": json.dumps(DEFAULT_POLICY),
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    version = PolicyVersion.objects.get(code="retail", is_active=True)
    assert (version.version, version.created_by) == (1, "reviewer")
    bad = staff.post(
        reverse("admin:origination_policyversion_add"),
        {
            "code": "retail",
            "description": "",
            "policy": json.dumps({"bands": []}),
            "is_active": "on",
        },
    )
    assert bad.status_code == 200
    assert "not valid" in bad.content.decode()


def test_a_block_list_entry_keeps_only_the_digest(staff):
    response = staff.post(
        reverse("admin:origination_blocklistentry_add"),
        {"kind": "mobile", "value": "13800000000", "reason": "fraud", "added_on": "2026-01-15"},
    )
    assert response.status_code == 302
    entry = BlockListEntry.objects.get()
    assert entry.value_digest == pii.digest("13800000000")
    assert "13800000000" not in str(entry.__dict__)
