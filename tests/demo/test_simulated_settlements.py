"""The simulation's settlements: a loan reaching 30 days past due is offered one (asked by a
collector, approved by the supervisor within the approver group's limit) and the borrower pays
it by the deadline, closing the loan (here every offer is made and paid)."""

from datetime import date, timedelta

import pytest

from demo import simulation
from loans.models import LoanModification
from tests.lifecycle.factories import assert_books_consistent, close_steps, make_active_loan, reload

pytestmark = pytest.mark.django_db
STEPS = ("accrual", "due", "delinquency", "penalties", "states")


def test_a_delinquent_loan_is_offered_a_settlement_and_pays_it(monkeypatch):
    monkeypatch.setattr(simulation, "SETTLEMENT_OFFERED", 1.0)
    monkeypatch.setattr(simulation, "SETTLEMENT_PAID", 1.0)
    monkeypatch.setitem(simulation._book, "before", 0)
    monkeypatch.setitem(simulation._book, "first", None)
    loan = make_active_loan()
    today = date(2026, 1, 16)
    result = simulation.SimulationResult(first_day=today, last_day=today)
    while not result.settlements_paid and today < date(2026, 4, 30):
        simulation._settle_day(7, today, result)
        close_steps(today, "rate_resets", *STEPS, loan=loan)
        today += timedelta(days=1)
    settlement = LoanModification.objects.get(loan=loan, kind="settlement")
    assert (result.settlements, result.settlements_paid) == (1, 1)
    # the close of Mar 17 counted 30 days past the Feb 15 due date; offered the next day
    assert settlement.requested_on == date(2026, 3, 18)
    assert settlement.status == "applied" and reload(loan).status == "paid_off"
    assert_books_consistent(loan)
