"""A batch's entries posted together (`ledger.deferred`): numbered at once, written at the end,
the same invariants, and nothing read stale inside the batch."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from ledger.deferred import entries_deferred, entries_written
from ledger.errors import IdempotencyConflict, PostingRejected
from ledger.models import JournalEntry, JournalLine, LoanAccountBalance
from ledger.selectors import loan_balances, trial_balance
from ledger.services import EntrySpec, LineSpec, entry_post, entry_reverse

from .helpers import transfer

pytestmark = pytest.mark.django_db


def test_entries_on_the_batch_loans_take_their_ids_now_and_are_written_at_the_end():
    with transaction.atomic(), entries_deferred({1, 2}):
        first = entry_post(spec=transfer("d-1", "10.00", debit_loan=1), actor="batch")
        second = entry_post(spec=transfer("d-2", "20.00", debit_loan=2))
        assert first.created and second.created and first.entry_id != second.entry_id
        assert not JournalEntry.objects.filter(pk__in=[first.entry_id, second.entry_id]).exists()
    entries = JournalEntry.objects.in_bulk([first.entry_id, second.entry_id])
    assert entries[first.entry_id].idempotency_key == "d-1"
    assert entries[first.entry_id].created_by == "batch"
    assert JournalLine.objects.filter(entry_id=second.entry_id).count() == 2
    assert loan_balances(loan_id=1) == {"1303": Decimal("10.00")}
    assert loan_balances(loan_id=2) == {"1303": Decimal("20.00")}
    assert trial_balance().balanced


def test_entries_on_other_loans_or_none_are_posted_at_once():
    with transaction.atomic(), entries_deferred({1}):
        other = entry_post(spec=transfer("o-1", "5.00", debit_loan=9))
        no_loan = entry_post(spec=transfer("o-2", "5.00"))
        mixed = entry_post(spec=transfer("o-3", "5.00", debit_loan=1, credit_loan=9))
        posted = set(JournalEntry.objects.values_list("pk", flat=True))
        assert {other.entry_id, no_loan.entry_id, mixed.entry_id} <= posted


def test_a_key_twice_in_the_batch_returns_the_first_entry_or_is_refused():
    with transaction.atomic(), entries_deferred({1}):
        first = entry_post(spec=transfer("twice", "10.00", debit_loan=1))
        again = entry_post(spec=transfer("twice", "10.00", debit_loan=1))
        assert again.entry_id == first.entry_id and not again.created
        with pytest.raises(IdempotencyConflict):
            entry_post(spec=transfer("twice", "11.00", debit_loan=1))
    assert JournalEntry.objects.filter(idempotency_key="twice").count() == 1
    assert loan_balances(loan_id=1) == {"1303": Decimal("10.00")}


def test_an_entry_is_validated_when_posted_not_at_the_flush():
    unbalanced = EntrySpec(
        kind="test",
        business_date=date(2026, 1, 1),
        idempotency_key="bad",
        lines=(
            LineSpec("1303", debit=Decimal("1.00"), loan_id=1),
            LineSpec("1002", credit=Decimal("2.00")),
        ),
    )
    with transaction.atomic(), entries_deferred({1}):
        with pytest.raises(PostingRejected, match="differ"):
            entry_post(spec=unbalanced)
    assert not JournalEntry.objects.exists()


def test_a_key_already_in_the_books_fails_the_flush_and_the_transaction_writes_nothing():
    entry_post(spec=transfer("kept", "10.00", debit_loan=1))
    with pytest.raises(IntegrityError, match="entry_idempotency_key_uniq"):
        with transaction.atomic(), entries_deferred({1, 2}):
            entry_post(spec=transfer("new", "3.00", debit_loan=2))
            entry_post(spec=transfer("kept", "10.00", debit_loan=1))
    assert list(JournalEntry.objects.values_list("idempotency_key", flat=True)) == ["kept"]
    assert not LoanAccountBalance.objects.filter(loan_id=2).exists()
    assert trial_balance().balanced


def test_reads_inside_the_batch_write_what_is_pending_first():
    with transaction.atomic(), entries_deferred({1, 2}):
        posted = entry_post(spec=transfer("r-1", "10.00", debit_loan=1))
        entry_post(spec=transfer("r-2", "7.00", debit_loan=2))
        assert loan_balances(loan_id=1) == {"1303": Decimal("10.00")}
        assert JournalEntry.objects.filter(idempotency_key="r-2").exists()  # written together
        entry_post(spec=transfer("r-3", "1.00", debit_loan=2))
        entry_reverse(entry_id=posted.entry_id, business_date=date(2026, 1, 1))
        assert loan_balances(loan_id=1) == {"1303": Decimal("0.00")}
        entry_post(spec=transfer("r-4", "2.00", debit_loan=2))
        entries_written(2)
        assert LoanAccountBalance.objects.get(loan_id=2).debit_total == Decimal("10.00")
    assert trial_balance().balanced


def test_a_failed_block_writes_nothing_it_held():
    with pytest.raises(RuntimeError, match="boom"):
        with transaction.atomic(), entries_deferred({1}):
            entry_post(spec=transfer("lost", "10.00", debit_loan=1))
            raise RuntimeError("boom")
    assert not JournalEntry.objects.exists()


def test_many_entries_draw_ids_a_block_at_a_time():
    with transaction.atomic(), entries_deferred({1, 2}):
        ids = [
            entry_post(spec=transfer(f"m-{n}", "1.00", debit_loan=1 + n % 2)).entry_id
            for n in range(7)
        ]
    assert len(set(ids)) == 7
    assert JournalEntry.objects.filter(pk__in=ids).count() == 7
    assert loan_balances(loan_id=1) == {"1303": Decimal("4.00")}
    assert trial_balance().balanced
