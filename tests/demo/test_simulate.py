"""`manage.py simulate`: a seeded demo portfolio through the lifecycle services and the close."""

from datetime import date, timedelta
from decimal import Decimal

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
    settlements = LoanModification.objects.filter(kind="settlement")
    assert set(settlements.values_list("status", flat=True)) <= {"approved", "applied", "voided"}
    assert "settlements" in out
    assert not reconcile()
    assert trial_balance().balanced


def test_make_run_ends_the_simulated_history_on_today_and_sums_it_up(monkeypatch, capsys):
    from django.utils import timezone

    from collection.models import ContactAttempt
    from compliance.models import ReportRun

    monkeypatch.setenv("DEMO_FORCE", "1")
    today = timezone.localdate()
    call_command("demo_setup", "--history-days", "21")
    assert business_date_current() == today - timedelta(days=21)
    call_command("simulate", "--loans", "10", "--days", "21", "--seed", "2", "--if-empty")
    out = capsys.readouterr().out
    # the business date after set-up is today: the close of today is the next thing to happen
    assert business_date_current() == today
    assert f"business date now: {today} (today" in out
    attempts = ContactAttempt.objects.count()
    allowed = ContactAttempt.objects.filter(allowed=True).count()
    assert (
        f"collections: {attempts} contact attempts, {allowed} allowed, {attempts - allowed} "
        "blocked" in out
    )
    assert "promises to pay: " in out
    files = ReportRun.objects.filter(trigger="schedule").count()
    assert files >= 21 and f"reports produced: {files} files (aging 42," in out
    # set-up again (a second `make run`) leaves the open books and their date alone
    call_command("demo_setup", "--history-days", "21")
    assert business_date_current() == today


def test_simulated_floating_loans_are_reset_by_the_close_as_the_index_moves(monkeypatch, capsys):
    from calc.index_rates import floating_rate, index_rate_on
    from loans.models import IndexFixing, LoanModification
    from loans.reconciliation import reconcile

    monkeypatch.setenv("DEMO_FORCE", "1")
    start = business_date_current()
    call_command("simulate", "--loans", "15", "--days", "70", "--seed", "4")
    out = capsys.readouterr().out
    # the one-year LPR moved 5–10 bp at each month start of the timeline, as dated data
    moves = list(IndexFixing.objects.filter(index="lpr_1y", source="simulate"))
    assert moves and all(move.effective_from.day == 1 for move in moves)
    assert all(start < move.effective_from <= start + timedelta(days=70) for move in moves)
    # and the close repriced the floating loans on their reset dates from it
    resets = LoanModification.objects.filter(requested_by="system:rate_resets")
    assert resets.exists(), out[-800:]
    assert f"rate resets: {resets.count()} (" in out
    fixings = tuple((move.effective_from, move.rate) for move in moves)
    for reset in resets.select_related("loan"):
        loan = reset.loan
        on = date.fromisoformat(reset.parameters["reset_date"])
        index = index_rate_on("lpr_1y", on, fixings)
        expected = floating_rate(index, loan.rate_margin, loan.rate_floor, loan.rate_ceiling)
        assert Decimal(reset.parameters["annual_rate"]) == expected
    assert not reconcile()
    assert trial_balance().balanced
