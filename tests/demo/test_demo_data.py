"""Issue 25 item 5: the demo's borrowers have valid national IDs and can apply as themselves,
its merchants take e-commerce drawdowns, `simulate` names the logins first and adds to an
existing book only when told to."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from loans.models import Borrower, Loan
from origination.identity import parse_national_id
from origination.models import Merchant

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_FORCE", "1")
    call_command("demo_setup")
    capsys.readouterr()
    call_command("simulate", "--loans", "8", "--days", "3", "--seed", "3")
    return capsys.readouterr().out


def test_simulate_names_the_logins_before_it_runs(demo):
    first = demo.index("Borrowers log in as demo1 … demo6 with password 'demo-password'")
    assert first < demo.index("Simulated ")


def test_demo_borrowers_have_valid_national_ids_and_are_not_declined_for_them(demo):
    borrowers = list(Borrower.objects.exclude(user=None))
    assert len(borrowers) == 6
    assert all(parse_national_id(borrower.national_id)[0] for borrower in borrowers)
    demo1 = Borrower.objects.get(user__username="demo1")
    client = APIClient()
    client.force_authenticate(demo1.user)
    response = client.post(
        "/api/v1/applications",
        {
            "product": "ecommerce-installment",
            "kind": "credit_line",
            "requested_amount": "6000.00",
            "requested_term": 6,
            "purpose": "shopping",
            "monthly_income": "15000.00",
            "name": demo1.name,
            "national_id": demo1.national_id,
            "mobile": demo1.mobile,
            "consents": ["credit_bureau", "data_processing"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    reasons = [reason["code"] for reason in response.json()["decision"]["reasons"]]
    assert "E03" not in reasons


def test_the_demo_has_merchants_for_e_commerce_drawdowns(demo):
    assert Merchant.objects.filter(kind=Merchant.Kind.ECOMMERCE, is_active=True).exists()


def test_simulate_adds_to_a_book_only_when_told(demo, capsys):
    loans = Loan.objects.count()
    with pytest.raises(CommandError, match="--add"):
        call_command("simulate", "--loans", "2", "--days", "1")
    assert Loan.objects.count() == loans
    call_command("simulate", "--if-empty", "--loans", "2", "--days", "1")
    assert "nothing simulated" in capsys.readouterr().out
    call_command("simulate", "--add", "--loans", "2", "--days", "1", "--seed", "4")
    assert "Borrowers log in as demo7 … demo8" in capsys.readouterr().out
