"""Recoveries in the back office: the charged-off loan's page shows what was written off and
recovered, with "Record a recovery" for staff who record repayments; the form records it once
however often it is submitted; the collection case of the loan shows the same figures."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from collection.models import CollectionCase
from collection.services import cases_sync
from core.models import AuditEvent
from loans.models import Loan, Repayment
from loans.selectors.recoveries import loan_recovery
from loans.services.recoveries import loan_recover
from loans.services.waivers import loan_write_off
from loans.transitions import loan_transition
from tests.lifecycle.factories import assert_books_consistent, make_active_loan, reload

from .conftest import make_user

D = Decimal
START = date(2026, 1, 1)


def staff_client(*groups: str) -> Client:
    client = Client()
    client.force_login(make_user(staff=True, groups=groups))
    return client


@pytest.fixture
def charged_off(db) -> Loan:
    loan = make_active_loan("3000.00", 3, START)
    loan_write_off(loan=loan, business_date=START, actor="tester", reason="fraud")
    return reload(loan)


def loan_page(client, loan) -> str:
    return client.get(reverse("admin:loans_loan_change", args=[loan.pk])).content.decode()


@pytest.mark.django_db
def test_staff_record_a_recovery_from_the_loan_page(charged_off):
    officer = staff_client("loan officer")
    page = loan_page(officer, charged_off)
    assert 'id="record-recovery"' in page
    assert "written off 3000.00 CNY" in page and "still recoverable 3000.00" in page
    assert 'id="record-recovery"' not in loan_page(staff_client("viewer"), charged_off)
    # the form, submitted twice with its token, records the recovery once
    url = reverse("admin:loans_loan_recovery", args=[charged_off.pk])
    form = officer.get(url)
    token = form.context["form"]["token"].value()
    data = {"amount": "1200.00", "source": "agency", "external_reference": "AG-1", "token": token}
    done = officer.post(url, data, follow=True)
    officer.post(url, data, follow=True)
    assert "Recovery of 1200.00 CNY recorded" in done.content.decode()
    recovery = Repayment.objects.get(loan=charged_off)
    assert (recovery.kind, recovery.source, recovery.amount) == ("recovery", "agency", D("1200.00"))
    assert AuditEvent.objects.filter(action="recovery.record", source="admin").count() == 1
    page = loan_page(officer, charged_off)
    assert "recovered 1200.00" in page and "still recoverable 1800.00" in page
    assert "Collection agency" in page and "AG-1" in page
    # beyond what is left it is refused on the form, with the figures, and nothing is posted
    refused = officer.post(
        url, {**data, "amount": "1800.01", "token": "another"}, follow=True
    ).content.decode()
    assert "at most 1800.00 more" in refused
    assert Repayment.objects.filter(loan=charged_off).count() == 1
    assert_books_consistent(charged_off)


@pytest.mark.django_db
def test_an_open_loan_offers_no_recovery(db):
    loan = make_active_loan("3000.00", 3, START)
    page = loan_page(staff_client("loan officer"), loan)
    assert 'id="record-recovery"' not in page and "not written off" in page


@pytest.mark.django_db
def test_the_collection_case_shows_what_was_recovered(admin_client, db):
    # given a case opened on a delinquent loan, closed when the loan is written off
    loan = make_active_loan("3000.00", 3, START)
    loan_transition(loan=loan, action="mark_delinquent", actor="t", business_date=date(2026, 2, 5))
    cases_sync(business_date=date(2026, 2, 5), loan_ids=[loan.pk])
    loan_write_off(loan=reload(loan), business_date=date(2026, 5, 1), actor="t", reason="gone")
    cases_sync(business_date=date(2026, 5, 1), loan_ids=[loan.pk])
    case = CollectionCase.objects.get(loan=loan)
    assert (case.status, case.close_reason) == ("closed", "charged_off")
    # when an agency recovers 500.00 of it
    loan_recover(
        loan=reload(loan),
        amount=D("500.00"),
        value_date=date(2026, 5, 20),
        business_date=date(2026, 5, 20),
        idempotency_key="ag",
        source="agency",
    )
    # then the case page shows the write-off, the recovery and what is left
    page = admin_client.get(
        reverse("admin:collection_collectioncase_change", args=[case.id])
    ).content.decode()
    assert loan_recovery(loan=loan).written_off == D("3000.00")
    assert "written off 3000.00 CNY on 2026-05-01" in page
    assert "recovered 500.00" in page and "still recoverable 2500.00" in page
    assert "Collection agency" in page
