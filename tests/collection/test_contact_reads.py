"""What a guarded contact reads, and how few statements it takes: the case lock (case, loan
and borrower locked by one statement, the open promise read with them), the collectors' overdue
amounts read once for a day's queue, and the executor's strategy steps read once per run."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from collection.services import due_actions_execute, promise_record
from collection.services.contacts import case_lock
from collection.services.guarding import overdue_amount, overdue_amounts

from . import factories as f
from .clock import at

SH = "Asia/Shanghai"
DAY = date(2026, 1, 15)

pytestmark = pytest.mark.django_db


def make_case(**kwargs):
    return f.open_case(f.loan(status="delinquent", days_past_due=5, **kwargs), date(2026, 1, 5))


def test_case_lock_locks_case_loan_and_borrower_in_one_statement():
    case = make_case()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = case_lock(case_id=case.id)
    (statement,) = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    if connection.vendor == "postgresql":
        # FOR UPDATE without OF locks every joined row: the borrower's too.
        assert statement.rstrip().endswith("FOR UPDATE")
        assert '"loans_borrower"' in statement and '"loans_loan"' in statement
    assert (locked.borrower_id, locked.loan.pk) == (case.borrower_id, case.loan_id)


def test_case_lock_reads_the_open_promise_the_guard_sees():
    case = make_case()
    with transaction.atomic():
        assert case_lock(case_id=case.id).open_promise_until is None
    promised = DAY + timedelta(days=5)
    promise_record(
        case_id=case.id,
        amount=Decimal("100.00"),
        promised_date=promised,
        at=at("2026-01-15", "10:00", SH),
        business_date=DAY,
    )
    with transaction.atomic():
        assert case_lock(case_id=case.id).open_promise_until == promised
    promise = case.promises.get()
    promise.status = "kept"
    promise.save(update_fields=["status"])
    with transaction.atomic():
        assert case_lock(case_id=case.id).open_promise_until is None


def test_overdue_amounts_are_each_loans_overdue_amount():
    late = f.loan(status="delinquent", days_past_due=5, penalty_due="3.50")
    current = f.loan(start=date(2026, 1, 10))  # first due in February
    as_of = date(2026, 1, 15)
    amounts = overdue_amounts(loan_ids=[late.id, current.id], as_of=as_of)
    assert amounts == {
        late.id: overdue_amount(loan_id=late.id, as_of=as_of),
        current.id: overdue_amount(loan_id=current.id, as_of=as_of),
    }
    assert amounts[late.id] > 0
    assert str(amounts[current.id]) == "0.00"


def test_executor_reads_each_strategy_step_once_per_run():
    # Three cases opened on 2026-01-05, each with its day-1 message due at 09:00 the next day
    opened = date(2026, 1, 5)
    for _ in range(3):
        f.open_case(f.loan(status="delinquent", days_past_due=1), opened)
    with CaptureQueriesContext(connection) as queries:
        done = due_actions_execute(now=at("2026-01-06", "09:00", SH), business_date=opened)
    assert done == {"sent": 3}
    step_reads = [
        q for q in queries.captured_queries if 'FROM "collection_strategystep"' in q["sql"]
    ]
    assert len(step_reads) == 1
