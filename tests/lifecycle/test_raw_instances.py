"""The repayment path's instances are built from raw rows without the ORM's `__init__`
(`loans.raw_instances`): each model built so must equal, field by field, what the ORM
loads, so a Django upgrade that changes the internals it relies on fails here (issue 22.7)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from loans.models import Installment, Loan, Repayment
from loans.raw_instances import BUILT_MODELS, DEFERRED, instances_from_rows
from loans.services.loan_io import (
    installments_of,
    loan_lock_with_key,
    loan_lock_with_open_rows,
    loans_locked_for_payments,
)
from loans.services.repayments import loan_repay

from .factories import make_active_loan, reload

pytestmark = pytest.mark.django_db


def read_ahead(loan):
    """The loan as a callback batch reads it ahead (`loans_locked_for_payments`)."""
    with transaction.atomic(), loans_locked_for_payments({loan.pk: "k"}):
        return loan_lock_with_open_rows(loan.pk, "k")


def raw_loans(loan):
    raw, _ = loan_lock_with_key(loan.pk)
    return [raw, loan_lock_with_open_rows(loan.pk, "").loan, read_ahead(loan).loan]


def raw_installments(loan):
    open_rows = loan_lock_with_open_rows(loan.pk, "").rows + read_ahead(loan).rows
    return installments_of(reload(loan), open_only=False) + open_rows


BUILDERS = {Loan: raw_loans, Installment: raw_installments}


def assert_like_the_orm(raw, fresh) -> None:
    assert type(raw) is type(fresh)
    for field in fresh._meta.concrete_fields:
        if field.attname not in DEFERRED:
            assert getattr(raw, field.attname) == getattr(fresh, field.attname), field.name
    assert raw._state.adding is False and raw._state.db == fresh._state.db
    for name in DEFERRED & {field.attname for field in fresh._meta.concrete_fields}:
        assert getattr(raw, name) == getattr(fresh, name)  # deferred: loaded on first use


def test_every_model_built_from_raw_rows_is_checked():
    assert set(BUILDERS) == set(BUILT_MODELS)
    with pytest.raises(TypeError, match="Repayment"):
        instances_from_rows(Repayment, [], [])


@pytest.mark.parametrize("model", BUILT_MODELS, ids=lambda model: model.__name__)
def test_instances_built_from_raw_rows_equal_what_the_orm_loads(model):
    loan = make_active_loan()
    loan_repay(
        loan=loan,
        amount=Decimal("300.00"),
        value_date=date(2026, 2, 15),
        business_date=date(2026, 2, 15),
        idempotency_key="raw-rows",
    )
    built = BUILDERS[model](loan)
    assert built
    for raw in built:
        assert_like_the_orm(raw, model.objects.get(pk=raw.pk))
        if model is Installment:
            # the loan cached as `row.loan = loan` caches it: no query to reach it
            assert raw._state.fields_cache["loan"].pk == loan.pk


def test_a_repayment_inserted_by_raw_sql_saves_as_an_update():
    loan = make_active_loan()
    repayment = loan_repay(
        loan=loan,
        amount=Decimal("300.00"),
        value_date=date(2026, 2, 15),
        business_date=date(2026, 2, 15),
        idempotency_key="raw-insert",
    )
    assert repayment._state.adding is False
    repayment.actor = "changed"
    repayment.save(update_fields=["actor"])
    assert Repayment.objects.get(pk=repayment.pk).actor == "changed"
    assert Repayment.objects.filter(loan=loan).count() == 1
