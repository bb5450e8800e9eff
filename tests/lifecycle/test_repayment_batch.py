"""A callback's batch keeps the repayments it makes on the loans it read ahead and writes them
once at its end (`repayment_batch`): each has its id, allocations and audit row at once, and a
read of the loan inside the batch writes what is kept for it first."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from core.db import whole_or_nothing
from core.models import AuditEvent
from loans.models import Allocation, Installment, Repayment
from loans.services.loan_io import installments_of
from loans.services.repayment_batch import repayments_batched
from loans.services.repayments import loan_repay

from .factories import assert_books_consistent, make_active_loan

pytestmark = pytest.mark.django_db
ON = date(2026, 2, 15)


def pay(loan, key: str, amount: str = "300.00") -> Repayment:
    return loan_repay(
        loan=loan,
        amount=Decimal(amount),
        value_date=ON,
        business_date=ON,
        idempotency_key=key,
        durable=False,
    )


def paid(loan) -> Decimal:
    return sum(row.interest_paid + row.principal_paid for row in loan.installments.all())


def test_the_batch_keeps_its_repayments_with_their_ids_and_writes_them_at_its_end():
    first, second = make_active_loan(), make_active_loan()
    with (
        transaction.atomic(),
        repayments_batched({first.pk: "a", second.pk: "b"}),
        whole_or_nothing(),
    ):
        kept = [pay(first, "a"), pay(second, "b")]
        assert all(repayment.pk for repayment in kept)
        assert not Repayment.objects.filter(pk__in=[r.pk for r in kept]).exists()
        assert paid(first) == 0  # its installments are kept too
    for loan, repayment in zip((first, second), kept, strict=True):
        stored = Repayment.objects.get(pk=repayment.pk)
        assert (stored.loan_id, stored.amount, stored.idempotency_key) == (
            loan.pk,
            Decimal("300.00"),
            repayment.idempotency_key,
        )
        assert stored.entry_id == repayment.entry_id
        allocations = Allocation.objects.filter(repayment=stored, active=True)
        assert sum(a.amount for a in allocations) + stored.overpayment == Decimal("300.00")
        assert paid(loan) == Decimal("300.00")
        audit = AuditEvent.objects.get(action="repayment.record", object_id=str(stored.pk))
        assert audit.created_at == stored.created_at
    assert_books_consistent(first, second)


def test_a_read_of_a_kept_loan_writes_it_first_and_a_second_payment_is_written_at_once():
    loan, other = make_active_loan(), make_active_loan()
    with (
        transaction.atomic(),
        repayments_batched({loan.pk: "a", other.pk: "b"}),
        whole_or_nothing(),
    ):
        first = pay(loan, "a")
        kept = pay(other, "b")
        rows = installments_of(loan, open_only=False)  # the loan read: what is kept is written
        assert Repayment.objects.filter(pk=first.pk).exists()
        assert sum(row.interest_paid + row.principal_paid for row in rows) == Decimal("300.00")
        assert Repayment.objects.filter(pk=kept.pk).exists()  # one write for the batch
        second = pay(loan, "c", "100.00")  # no id drawn for it: written as it is made
        assert Repayment.objects.filter(pk=second.pk).exists()
    assert paid(loan) == Decimal("400.00")
    assert_books_consistent(loan, other)


def test_without_keeping_each_repayment_is_written_as_it_is_made():
    loan = make_active_loan()
    with transaction.atomic(), repayments_batched({loan.pk: "a"}, keep=False):
        repayment = pay(loan, "a")
        assert Repayment.objects.filter(pk=repayment.pk).exists()
        assert Installment.objects.filter(loan=loan, interest_paid__gt=0).exists()
    assert_books_consistent(loan)


def test_a_key_already_used_draws_no_id_and_returns_the_first_repayment():
    loan = make_active_loan()
    with transaction.atomic():
        first = pay(loan, "a")
    with transaction.atomic(), repayments_batched({loan.pk: "a"}) as batch, whole_or_nothing():
        again = pay(loan, "a")
        assert again.pk == first.pk
        assert batch.statements() == []
    assert Repayment.objects.filter(loan=loan).count() == 1
    assert_books_consistent(loan)
