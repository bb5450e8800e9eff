"""A loan's live installments are numbered uniquely; cancelled rows keep their numbers, which a
replacing row takes again. One index (`installment_number_uniq`, led by the loan) keeps the rule
and serves the loan's lookups, so that a rate reset, which rewrites most of a floating-rate
loan's rows, writes as few index entries as it can (issue 16's reset target)."""

import pytest
from django.db import IntegrityError, connection, transaction

from loans.models import Installment

from ..lifecycle.factories import make_active_loan

pytestmark = pytest.mark.django_db
CANCELLED = Installment.Status.CANCELLED


def _copy(row: Installment, **changes) -> Installment:
    fields = {
        field.attname: getattr(row, field.attname)
        for field in Installment._meta.concrete_fields
        if not field.primary_key
    }
    return Installment.objects.create(**{**fields, **changes})


def test_two_live_rows_of_a_loan_cannot_share_a_number():
    # given a loan's schedule
    loan = make_active_loan(term=3)
    row = loan.installments.get(number=2)
    # when a second live row numbered 2 is written, then the database refuses it
    with pytest.raises(IntegrityError, match="installment_number_uniq"), transaction.atomic():
        _copy(row)


def test_cancelled_rows_keep_their_numbers_and_a_replacement_takes_the_number_again():
    # given a loan whose row 2 is cancelled
    loan = make_active_loan(term=3)
    row = loan.installments.get(number=2)
    Installment.objects.filter(pk=row.pk).update(status=CANCELLED)
    # when a replacement numbered 2 is written, and it too is cancelled and replaced
    replacement = _copy(row, status=Installment.Status.SCHEDULED)
    Installment.objects.filter(pk=replacement.pk).update(status=CANCELLED)
    _copy(row, status=Installment.Status.SCHEDULED)
    # then the loan has three rows numbered 2, one of them live
    numbered_two = loan.installments.filter(number=2)
    assert numbered_two.count() == 3
    assert numbered_two.exclude(status=CANCELLED).count() == 1
    # and a cancelled row cannot come back to life beside the live one
    with pytest.raises(IntegrityError, match="installment_number_uniq"), transaction.atomic():
        Installment.objects.filter(pk=row.pk).update(status=Installment.Status.SCHEDULED)


def test_the_loans_rows_are_found_through_the_numbering_index_cancelled_rows_included():
    loan = make_active_loan(term=3)
    sql, params = Installment.objects.filter(loan_id=loan.pk).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "installment_number_uniq" in plan


def test_the_installment_table_keeps_only_the_indexes_its_readers_use():
    # Every index takes a new entry for each row a rate reset rewrites: one more is a choice
    # to make with the reset's cost in view (benchmarks/rate_resets.py).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s ORDER BY indexname",
            [Installment._meta.db_table],
        )
        indexes = [name for (name,) in cursor.fetchall()]
    assert indexes == ["installment_number_uniq", "loans_installment_pkey"]
