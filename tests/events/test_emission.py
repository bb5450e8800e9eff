"""The loans services and the close's steps write their events in their own transactions."""

from datetime import date
from decimal import Decimal

import jsonschema
import pytest
from django.db import transaction

from events.models import Event
from events.schemas import SCHEMAS
from loans.models import Installment
from loans.services.disbursement import loan_disburse
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse
from tests.lifecycle.factories import close_steps as steps_run
from tests.lifecycle.factories import make_active_loan, make_loan

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def close_steps(on, *names, loan):
    with transaction.atomic():
        steps_run(on, *names, loan=loan)


def stream(loan):
    events = list(Event.objects.filter(subject=f"loan/{loan.pk}").order_by("sequence"))
    for event in events:
        jsonschema.validate(event.data, SCHEMAS[event.type])
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    return events


def test_a_loans_life_is_one_ordered_stream_and_a_close_run_twice_writes_once():
    loan = make_active_loan(term=3)
    assert [e.type for e in stream(loan)] == ["loan.created", "loan.approved", "loan.disbursed"]
    first_due = Installment.objects.get(loan=loan, number=1).due_date
    for _ in range(2):
        close_steps(first_due, "accrual", "due", "delinquency", "states", loan=loan)
    late = date.fromordinal(first_due.toordinal() + 5)
    for _ in range(2):
        close_steps(late, "accrual", "due", "delinquency", "states", loan=loan)
    types = [e.type for e in stream(loan)]
    assert types[3:] == ["installment.due", "installment.overdue", "loan.delinquent"]
    overdue = stream(loan)[4]
    assert overdue.data["number"] == 1 and overdue.data["days_past_due"] == 5
    assert overdue.business_date == late

    owed = Installment.objects.get(loan=loan, number=1)
    amount = owed.principal_due + owed.interest_due + owed.fee_due + Decimal("50.00")
    repayment = loan_repay(
        loan=loan, amount=amount, value_date=late, business_date=late, idempotency_key="r-1"
    )
    loan_repay(loan=loan, amount=amount, value_date=late, business_date=late, idempotency_key="r-1")
    close_steps(late, "delinquency", "states", loan=loan)
    repayment_reverse(repayment=repayment, business_date=late, actor="tester", reason="bounced")
    events = stream(loan)
    assert [e.type for e in events][6:] == ["repayment.posted", "loan.cured", "repayment.reversed"]
    assert (
        events[6].data["amount"] == str(amount) and events[6].data["repayment_id"] == repayment.pk
    )
    assert events[8].data["reason"] == "bounced"


def test_a_refused_transition_emits_nothing():
    loan = make_loan(approve=False)
    before = Event.objects.count()
    with pytest.raises(Exception, match="cannot"):
        loan_disburse(loan=loan, business_date=date(2026, 1, 15), actor="tester")
    assert Event.objects.count() == before
