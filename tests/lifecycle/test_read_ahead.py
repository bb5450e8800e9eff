"""A callback's batch locks the loans it will pay and reads them ahead, together
(`loan_io.loans_locked_for_payments`): the first payment on each takes what was read, under its
own key only; anything else reads the loan again. The open-rows read also says whether a loan
has an approved settlement, so a payment asks no more (a settlement's approval locks its loan)."""

from datetime import date
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, transaction

from loans.models import LoanModification
from loans.services import loan_io
from loans.services.loan_io import (
    installments_of,
    loan_lock_with_key,
    loan_lock_with_open_rows,
    loans_locked_for_payments,
)

from .factories import make_active_loan

pytestmark = pytest.mark.django_db


def settlement_approved_on(loan) -> None:
    LoanModification.objects.create(
        loan=loan,
        kind=LoanModification.Kind.SETTLEMENT,
        status=LoanModification.Status.APPROVED,
        effective_date=date(2026, 2, 15),
        settlement_amount=Decimal("9000.00"),
        deadline=date(2026, 3, 1),
        requested_by="maker",
        requested_on=date(2026, 2, 15),
        checked_by="checker",
        decided_on=date(2026, 2, 15),
    )


@pytest.fixture
def reads(monkeypatch) -> list[list[int]]:
    """The loans each lock-and-read round trip asked for (the real one runs)."""
    asked: list[list[int]] = []
    real = loan_io._locked_loans

    def counted(lock_sql, lock_params, loan_ids):
        asked.append(list(loan_ids))
        return real(lock_sql, lock_params, loan_ids)

    monkeypatch.setattr(loan_io, "_locked_loans", counted)
    return asked


def test_the_first_payment_on_a_loan_takes_what_was_read_ahead_under_its_own_key(reads):
    plain, settling = make_active_loan(), make_active_loan()
    settlement_approved_on(settling)
    with transaction.atomic(), loans_locked_for_payments({settling.pk: "ks", plain.pk: "kp"}):
        assert reads == [sorted([plain.pk, settling.pk])]
        ahead = loan_lock_with_open_rows(plain.pk, "kp")
        assert reads == [sorted([plain.pk, settling.pk])]  # nothing read again
        assert ahead.loan.pk == plain.pk and ahead.existing_id is None
        assert ahead.settlement_approved is False
        assert sorted(row.pk for row in ahead.rows) == sorted(
            row.pk for row in installments_of(plain, open_only=True)
        )
        assert all(row.loan is ahead.loan for row in ahead.rows)

        again = loan_lock_with_open_rows(plain.pk, "kp")  # taken once only
        assert reads[-1] == [plain.pk] and again.loan is not ahead.loan

        other_key = loan_lock_with_open_rows(settling.pk, "another")  # read again
        assert reads[-1] == [settling.pk]
        assert other_key.settlement_approved is True and other_key.rows

    with transaction.atomic(), loans_locked_for_payments({settling.pk: "ks"}):
        loan_lock_with_key(settling.pk)  # any other lock of the loan: what was read is dropped
        assert loan_lock_with_open_rows(settling.pk, "ks").settlement_approved is True
        assert reads[-2:] == [[settling.pk], [settling.pk]]  # read ahead, then again
    assert loan_lock_with_open_rows(plain.pk, "").settlement_approved is False


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_loans_read_ahead_are_locked_until_the_batch_commits():
    loan, free = make_active_loan(), make_active_loan()
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        with loans_locked_for_payments({loan.pk: "k"}):
            pass
    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key in ("dbname", "host", "port", "user", "password")
    }

    def try_lock(loan_id: int) -> bool:
        with psycopg.connect(**params, autocommit=True) as other:
            try:
                other.execute("SET lock_timeout = '100ms'")
                other.execute("SELECT 1 FROM loans_loan WHERE id = %s FOR UPDATE", [loan_id])
            except psycopg.errors.LockNotAvailable:
                return False
            return True

    with transaction.atomic(), loans_locked_for_payments({loan.pk: "k"}):
        assert not try_lock(loan.pk)
        assert try_lock(free.pk)
    assert try_lock(loan.pk)
