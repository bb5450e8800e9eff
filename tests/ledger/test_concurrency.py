"""Concurrent posting on PostgreSQL: exact balances, no deadlock, idempotency under races."""

import random
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from ledger.models import JournalEntry
from ledger.selectors import (
    account_balance,
    loan_balances,
    stored_balances_match_lines,
    trial_balance,
)
from ledger.services import EntrySpec, LineSpec, entry_post

from .helpers import transfer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

THREADS = 8
ENTRIES_PER_THREAD = 200


def _run_threads(target) -> list[BaseException]:
    errors: list[BaseException] = []

    def runner(n):
        try:
            target(n)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a posting thread hung"
    return errors


def test_eight_threads_on_the_same_two_accounts_and_loan():
    def post(n):
        for i in range(ENTRIES_PER_THREAD):
            with transaction.atomic():
                entry_post(
                    spec=transfer(
                        f"t{n}-{i}",
                        "1.01",
                        debit="1303",
                        credit="1132",
                        debit_loan=1,
                        credit_loan=1,
                    )
                )

    assert _run_threads(post) == []
    count = THREADS * ENTRIES_PER_THREAD
    assert JournalEntry.objects.count() == count
    assert loan_balances(loan_id=1) == {
        "1303": Decimal("1.01") * count,
        "1132": -Decimal("1.01") * count,
    }
    assert stored_balances_match_lines() == []


def test_spread_over_many_loans_in_random_lock_order_does_not_deadlock():
    loans = list(range(1, 41))

    def post(n):
        rng = random.Random(n)
        for i in range(ENTRIES_PER_THREAD):
            a, b = rng.sample(loans, 2)
            spec = EntrySpec(
                kind="transfer",
                business_date=transfer("x", "1").business_date,
                idempotency_key=f"s{n}-{i}",
                lines=(
                    LineSpec(account="1303", debit=Decimal("2.00"), loan_id=a),
                    LineSpec(account="1303", credit=Decimal("1.00"), loan_id=b),
                    LineSpec(account="1002", credit=Decimal("1.00")),
                ),
            )
            with transaction.atomic():
                entry_post(spec=spec)

    assert _run_threads(post) == []
    assert stored_balances_match_lines() == []
    assert account_balance(code="1303") == Decimal("1.00") * THREADS * ENTRIES_PER_THREAD
    assert trial_balance().balanced


def test_same_key_from_many_threads_posts_once():
    def post(n):
        for i in range(20):
            entry_post(spec=transfer(f"dup-{i}", "3.00", debit_loan=9))

    assert _run_threads(post) == []
    assert JournalEntry.objects.count() == 20
    assert loan_balances(loan_id=9) == {"1303": Decimal("60.00")}
