"""What the close's rate reset writes, for issue 16's speed target (`benchmarks/rate_resets.py`):
the rewritten installment rows are heap-only (HOT) updates, which take no index entry, because
the table's pages keep room for them (`loans 0027`, fillfactor 57); and the step's statements
are per chunk and per shape, never per loan."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loans.models import Installment, Loan, LoanModification
from loans.services.rate_resets import rate_resets_apply

from ..lifecycle.factories import make_active_loan

pytestmark = pytest.mark.django_db
D = Decimal
RESET = date(2026, 4, 15)
FLOATING = {
    "rate_index": "lpr_1y",
    "rate_margin": D("0.06"),
    "rate_floor": D("0.10"),
    "rate_ceiling": D("0.15"),
    "rate_reset_months": 3,
}


def _installment_updates() -> tuple[int, int]:
    """(rows updated, of them HOT) in this transaction so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = %s",
            [Installment._meta.db_table],
        )
        return cursor.fetchone()


def test_the_installment_table_keeps_room_on_its_pages_for_new_row_versions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = %s", [Installment._meta.db_table]
        )
        (options,) = cursor.fetchone()
    assert "fillfactor=57" in (options or [])


def test_a_resets_rewrites_are_heap_only_updates():
    # given six floating-rate loans due their first reset (rows 4-12 to rewrite)
    for _ in range(6):
        make_active_loan(**FLOATING)
    updated, hot = _installment_updates()
    # when the close resets them
    assert rate_resets_apply(Loan.objects.all(), business_date=RESET) == 6
    # then 54 rows were rewritten in place, every one of them without a new index entry
    updated_after, hot_after = _installment_updates()
    assert updated_after - updated == 6 * 9
    assert hot_after - hot == 6 * 9


def _statements(loans: int) -> int:
    for _ in range(loans):
        make_active_loan(**FLOATING)
    with CaptureQueriesContext(connection) as queries:
        assert rate_resets_apply(Loan.objects.all(), business_date=RESET) == loans
    assert LoanModification.objects.count() == loans
    return len(queries)


@pytest.mark.parametrize("loans", [1, 5])
def test_the_step_runs_the_same_statements_for_one_loan_as_for_five_of_a_shape(loans):
    # one shape: the same statements, whatever the number of loans in it
    assert _statements(loans) == 16
