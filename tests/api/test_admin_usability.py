"""Issue 25 item 6: borrower search by national ID, phone and login (keyed digests); the
assigned-agent filter offers collection staff only; staff record repayments, prepayments and
payoffs and quote a payoff from a loan's page through the services, with permission checks;
rates and codes read as people write them; the loans list leads with status and amounts."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from loans.models import Repayment
from loans.services.payoff import loan_payoff_quote
from tests.lifecycle.factories import assert_books_consistent, reload

from .conftest import make_user

D = Decimal


def staff_client(*groups: str, superuser: bool = False) -> Client:
    user = make_user(staff=True, groups=groups, is_superuser=superuser)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["national_id", "phone", "spaced phone", "login"])
def test_borrowers_are_found_by_national_id_phone_and_login(borrower_user, other_loan, how):
    user, borrower = borrower_user
    term = {
        "national_id": borrower.national_id.lower(),
        "phone": borrower.mobile,
        "spaced phone": f"{borrower.mobile[:3]} {borrower.mobile[3:7]} {borrower.mobile[7:]}",
        "login": user.username,
    }[how]
    response = staff_client("viewer").get(reverse("admin:loans_borrower_changelist"), {"q": term})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [borrower]


@pytest.mark.django_db
def test_the_assigned_agent_filter_offers_collection_staff_only(borrower_user):
    collector = make_user(staff=True, groups=("collector",))
    officer = make_user(staff=True, groups=("loan officer",))
    response = staff_client("viewer").get(reverse("admin:collection_collectioncase_changelist"))
    spec = next(
        spec for spec in response.context["cl"].filter_specs if spec.field_path == "assigned_agent"
    )
    offered = {label for _, label in spec.lookup_choices}
    assert collector.username in offered
    assert officer.username not in offered and borrower_user[0].username not in offered


def pay_url(loan, kind: str) -> str:
    return reverse("admin:loans_loan_pay", args=[loan.pk, kind])


@pytest.mark.django_db
def test_a_loan_officer_records_a_repayment_from_the_loans_page(loan):
    officer = staff_client("loan officer")
    page = officer.get(reverse("admin:loans_loan_change", args=[loan.pk]))
    assert pay_url(loan, "repayment") in page.content.decode()
    form = officer.get(pay_url(loan, "repayment"))
    token = form.context["form"].initial["token"]
    body = {"amount": "1066.19", "external_reference": "BANK-1", "token": token}
    assert officer.post(pay_url(loan, "repayment"), body).status_code == 302
    officer.post(pay_url(loan, "repayment"), body)  # the same form again: recorded once
    repayment = Repayment.objects.get(loan=loan)
    assert (repayment.amount, repayment.channel) == (D("1066.19"), "bank")
    assert AuditEvent.objects.filter(action="repayment.record", source="admin").count() == 1
    assert_books_consistent(loan)


@pytest.mark.django_db
def test_a_payoff_is_quoted_and_paid_from_the_loans_page(loan, today):
    officer = staff_client("loan officer")
    quoted = officer.get(reverse("admin:loans_loan_quote", args=[loan.pk]))
    total = loan_payoff_quote(loan=loan, on=today).total
    assert quoted.context["quote"].total == total
    assert f"{total} CNY" in quoted.content.decode()
    token = officer.get(pay_url(loan, "prepayment")).context["form"].initial["token"]
    officer.post(
        pay_url(loan, "prepayment"), {"amount": str(total), "payoff": "on", "token": token}
    )
    assert reload(loan).status == "paid_off"
    assert Repayment.objects.get(loan=loan).kind == "payoff"


@pytest.mark.django_db
def test_staff_without_the_permission_cannot_record_payments(loan):
    viewer = staff_client("viewer")
    assert viewer.get(pay_url(loan, "repayment")).status_code == 403
    response = viewer.post(pay_url(loan, "prepayment"), {"amount": "100.00", "token": "t"})
    assert response.status_code == 403
    assert not Repayment.objects.exists()
    page = viewer.get(reverse("admin:loans_loan_change", args=[loan.pk])).content.decode()
    assert pay_url(loan, "repayment") not in page


@pytest.mark.django_db
def test_rates_and_codes_are_readable(loan):
    admin = staff_client(superuser=True)
    page = admin.get(reverse("admin:loans_loan_change", args=[loan.pk])).content.decode()
    assert "12%" in page
    assert "0.12000000" not in page and "0E-8" not in page
    assert "equal installment" in page
    product = admin.get(reverse("admin:loans_product_change", args=[loan.product_id]))
    html = product.content.decode()
    assert 'value="0.12"' in html and "0E-8" not in html and "0.12000000" not in html


@pytest.mark.django_db
def test_the_loans_list_leads_with_status_and_amounts(loan):
    response = staff_client("viewer").get(reverse("admin:loans_loan_changelist"))
    columns = list(response.context["cl"].list_display)
    assert columns[1:4] == ["status", "principal", "days_past_due"]
    assert len(columns) <= 10
