"""The bulk variant of the one way a loan changes state: same FSM rules, every change logged."""

import pytest

from loans.errors import LoanStateError
from loans.models import Loan, LoanTransition
from loans.transitions import loan_transition_bulk
from tests.eod.helpers import d, make_loan


@pytest.mark.django_db
def test_bulk_transition_changes_and_logs_every_loan():
    loans = [make_loan(), make_loan()]
    locked = list(Loan.objects.filter(id__in=[loan.id for loan in loans]).order_by("id"))
    loan_transition_bulk(
        loans=locked,
        action="mark_delinquent",
        actor="eod",
        business_date=d("2026-01-01"),
        reasons={locked[0].id: "5 days past due"},
    )
    assert set(
        Loan.objects.filter(id__in=[loan.id for loan in loans]).values_list("status", flat=True)
    ) == {"delinquent"}
    log = LoanTransition.objects.filter(to_status="delinquent").order_by("loan_id")
    assert [(row.from_status, row.actor, row.reason) for row in log] == [
        ("active", "eod", "5 days past due"),
        ("active", "eod", ""),
    ]


@pytest.mark.django_db
def test_one_illegal_transition_changes_nothing():
    active, delinquent = make_loan(), make_loan()
    loan_transition_bulk(
        loans=[Loan.objects.get(pk=delinquent.pk)],
        action="mark_delinquent",
        actor="eod",
        business_date=d("2026-01-01"),
    )
    both = list(Loan.objects.filter(id__in=[active.id, delinquent.id]).order_by("id"))
    with pytest.raises(LoanStateError):
        loan_transition_bulk(loans=both, action="cure", actor="eod", business_date=d("2026-01-01"))
    assert Loan.objects.get(pk=active.pk).status == "active"
    assert Loan.objects.get(pk=delinquent.pk).status == "delinquent"
    assert not LoanTransition.objects.filter(to_status="active", from_status="delinquent").exists()


@pytest.mark.django_db
def test_an_unknown_action_is_refused():
    with pytest.raises(LoanStateError):
        loan_transition_bulk(
            loans=[make_loan()], action="save", actor="eod", business_date=d("2026-01-01")
        )
