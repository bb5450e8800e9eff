"""`manage.py simulate`: a seeded demo portfolio through the lifecycle services and the close."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from ledger.selectors import trial_balance
from ledger.services import business_date_current
from loans.models import Loan
from tests.eod.helpers import d

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_simulate_builds_a_living_portfolio(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_FORCE", "1")
    call_command("simulate", "--loans", "12", "--days", "75", "--seed", "7")
    out = capsys.readouterr().out
    assert "Simulated 2026-01-01 to 2026-03-16" in out
    assert business_date_current() == d("2026-03-17")
    statuses = set(Loan.objects.values_list("status", flat=True))
    assert statuses & {"active", "delinquent"}
    assert Loan.objects.exclude(borrower__user=None).count() == Loan.objects.count()
    assert authenticate(username="demo1", password="demo-password") is not None
    assert trial_balance().balanced
    call_command("reconcile")
    # `--if-empty` leaves a populated book alone
    call_command("simulate", "--if-empty", "--loans", "5", "--days", "3")
    assert "nothing simulated" in capsys.readouterr().out
    assert business_date_current() == d("2026-03-17")


def test_simulate_is_refused_outside_the_demo(monkeypatch):
    monkeypatch.delenv("DEMO_FORCE", raising=False)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("simulate", "--loans", "1", "--days", "1")


def test_simulated_books_include_modifications_and_still_reconcile(monkeypatch, capsys):
    from loans.models import LoanModification
    from loans.reconciliation import reconcile

    monkeypatch.setenv("DEMO_FORCE", "1")
    call_command("simulate", "--loans", "25", "--days", "110", "--seed", "3")
    applied = LoanModification.objects.filter(status="applied")
    out = capsys.readouterr().out
    assert applied.count() >= 2, out[-600:]
    assert "modifications" in out
    assert not reconcile()
    assert trial_balance().balanced
