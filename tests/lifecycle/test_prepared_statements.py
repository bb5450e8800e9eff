"""The repayment path's hot statements run prepared on PostgreSQL: planned once per connection.

Django leaves psycopg's statement preparation off; the settings switch it on. Losing that
setting silently doubles the database's work per repayment, so it is checked here.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from loans.services.loan_io import loan_lock_with_key
from loans.services.repayments import loan_repay

from .factories import assert_books_consistent, make_active_loan, reload

pytestmark = pytest.mark.django_db


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_a_repayment_prepares_its_lock_reads_posting_and_writes():
    loan = make_active_loan()
    for number in range(2):
        loan_repay(
            loan=loan,
            amount=Decimal("100.00"),
            value_date=date(2026, 2, 15),
            business_date=date(2026, 2, 15),
            idempotency_key=f"prepared-{number}",
        )
    statements = prepared_statements()
    assert any("FOR UPDATE" in s and "loans_loan" in s for s in statements)
    assert any("FROM loans_installment" in s for s in statements)
    assert any("ledger_post_entry(" in s for s in statements)
    assert any("INSERT INTO loans_repayment" in s for s in statements)
    assert_books_consistent(reload(loan))


def test_instances_built_from_raw_rows_behave_like_orm_instances():
    loan = make_active_loan()
    raw, _ = loan_lock_with_key(loan.pk)
    fresh = reload(loan)
    for field in fresh._meta.concrete_fields:
        if field.attname != "terms_snapshot":
            assert getattr(raw, field.attname) == getattr(fresh, field.attname), field.name
    assert raw._state.adding is False and raw._state.db == "default"
    assert raw.terms_snapshot == fresh.terms_snapshot  # deferred: loaded on first use
