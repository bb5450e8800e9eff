"""`instance_insert_prepared` and `instance_save_prepared` write the row the ORM's ``save`` would
write: every field's value as Django prepares it, the creation time kept, ``auto_now`` moved."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from core.db import instance_insert_prepared, instance_save_prepared
from ledger.services import business_date_current
from payments.models import PaymentOrder
from tests.api.conftest import active_loan_for
from tests.lifecycle.factories import make_borrower

pytestmark = pytest.mark.django_db
OWN = ("id", "reference", "idempotency_key")


def _order(loan, key: str) -> PaymentOrder:
    return PaymentOrder(
        reference=f"PO-{key}",
        idempotency_key=key,
        request_hash="h" * 64,
        direction=PaymentOrder.Direction.COLLECT,
        purpose=PaymentOrder.Purpose.REPAYMENT,
        loan=loan,
        amount=Decimal("123.45"),
        currency="CNY",
        business_date=business_date_current(),
        gateway="local",
    )


def _row(pk: int) -> dict:
    row = model_to_dict(PaymentOrder.objects.get(pk=pk))
    return {name: value for name, value in row.items() if name not in OWN}


def test_an_insert_and_a_save_write_the_rows_the_orm_writes():
    loan = active_loan_for(make_borrower(), on=business_date_current())
    by_orm, prepared = _order(loan, "orm"), _order(loan, "prepared")
    by_orm.save(force_insert=True)
    instance_insert_prepared(prepared)
    assert prepared.pk and not prepared._state.adding
    stored = PaymentOrder.objects.get(pk=prepared.pk)
    assert stored.created_at == prepared.created_at and stored.updated_at == prepared.updated_at
    assert _row(prepared.pk) | {"loan": None} == _row(by_orm.pk) | {"loan": None}

    created_at = stored.created_at
    for order in (by_orm, prepared):
        order.submit()
        order.provider_reference = "GW-1"
        order.amount_settled = Decimal("100.10")
        order.created_at = created_at - timedelta(days=1)  # never rewritten by a save
    by_orm.save()
    assert instance_save_prepared(prepared)
    assert _row(prepared.pk) | {"loan": None} == _row(by_orm.pk) | {"loan": None}
    stored = PaymentOrder.objects.get(pk=prepared.pk)
    assert stored.status == PaymentOrder.Status.SUBMITTED
    assert stored.created_at == created_at and stored.updated_at > created_at


def test_a_refused_insert_raises_djangos_error_and_a_save_of_a_missing_row_says_so():
    loan = active_loan_for(make_borrower(), on=business_date_current())
    first = _order(loan, "same")
    instance_insert_prepared(first)
    with pytest.raises(IntegrityError), transaction.atomic():
        instance_insert_prepared(_order(loan, "same"))
    ghost = _order(loan, "ghost")
    ghost.pk = first.pk + 1000
    assert instance_save_prepared(ghost) is False
    assert PaymentOrder.objects.count() == 1
