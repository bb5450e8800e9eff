"""Concurrent repayments on one loan (real transactions, threads): they serialize on the loan's
row lock, and the same idempotency key posts once. Concurrent approvals for one borrower
serialize on the borrower's row lock."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from ledger.models import JournalEntry
from ledger.selectors import loan_balances
from loans.models import Loan, Repayment
from loans.services.lending_limits import LendingLimitExceeded
from loans.services.origination import loan_approve
from loans.services.repayments import loan_repay

from .factories import (
    assert_books_consistent,
    make_active_loan,
    make_borrower,
    make_loan,
    make_product,
    schedule,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ON = date(2026, 2, 15)
THREADS = 4


def run_together(target) -> tuple[list[object], list[BaseException]]:
    barrier = threading.Barrier(THREADS)
    results: list[object] = []
    errors: list[BaseException] = []

    def runner(n):
        try:
            barrier.wait(timeout=30)
            results.append(target(n))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a repayment hung"
    return results, errors


def shape(loan):
    return [
        (row.due_date, row.principal_due, row.interest_due, row.principal_paid, row.interest_paid)
        for row in schedule(loan)
    ]


def test_concurrent_repayments_on_one_loan_serialize_with_exact_balances():
    # given two identical loans
    loan, reference = make_active_loan(), make_active_loan()

    def pay(target, key):
        loan_repay(
            loan=target,
            amount=Decimal("100.00"),
            value_date=ON,
            business_date=ON,
            idempotency_key=key,
        )

    # when four threads each pay 100.00 five times on the first, all at once, and the same
    # twenty payments are made one by one on the second
    _, errors = run_together(lambda n: [pay(loan, f"thread-{n}-{i}") for i in range(5)])
    for i in range(20):
        pay(reference, f"sequential-{i}")
    # then the concurrent ones were applied one after the other: the same schedule and books
    assert not errors, errors
    assert Repayment.objects.filter(loan=loan).count() == 20
    assert shape(loan) == shape(reference)
    balances = loan_balances(loan_id=loan.pk)
    assert balances == loan_balances(loan_id=reference.pk)
    principal_repaid = Decimal("12000.00") - balances["1303"]
    assert principal_repaid + balances["6011"] == Decimal("2000.00")
    assert_books_consistent(loan, reference)


def test_the_same_idempotency_key_from_concurrent_requests_posts_once():
    loan = make_active_loan()
    results, errors = run_together(
        lambda n: loan_repay(
            loan=loan,
            amount=Decimal("500.00"),
            value_date=ON,
            business_date=ON,
            idempotency_key="one-payment",
        )
    )
    assert not errors, errors
    assert len({repayment.pk for repayment in results}) == 1
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert JournalEntry.objects.filter(kind="repayment").count() == 1
    assert loan_balances(loan_id=loan.pk)["1303"] == Decimal("11620.00")
    assert_books_consistent(loan)


def test_concurrent_approvals_for_one_borrower_cannot_both_use_the_same_headroom():
    # given four pending applications of 150,000 by one borrower (limit 200,000)
    borrower = make_borrower()
    product = make_product()
    pending = [
        make_loan("150000.00", 12, ON, product=product, borrower=borrower, approve=False)
        for _ in range(THREADS)
    ]

    # when they are approved at the same time
    def approve(n):
        return loan_approve(loan=pending[n], business_date=ON, actor="approver")

    results, errors = run_together(approve)
    # then the borrower's row lock lets exactly one through; the others see it approved
    assert len(results) == 1, errors
    assert len(errors) == THREADS - 1
    assert all(isinstance(error, LendingLimitExceeded) for error in errors), errors
    assert Loan.objects.filter(borrower=borrower, status="approved").count() == 1
