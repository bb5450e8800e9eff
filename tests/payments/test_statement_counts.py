"""Statements per order on the full path (the API's create and submit, the gateway's signed
callback and its repayment), counted, so that a change that adds round trips shows."""

from __future__ import annotations

import json

import psycopg
import pytest

from events.models import Event
from events.signing import signature_header
from ledger.services import business_date_current
from loans.models import Repayment
from payments.models import PaymentOrder
from tests.api.conftest import active_loan_for, client_for, make_borrower_user

from .conftest import SECRET

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
CREATE_AND_SUBMIT = 4
"""Token, the loan with the business date and its open installments (the payoff ceiling, one
statement), the order's insert, and the gateway's answer with its event (one statement), each
in autocommit: no transaction."""
CALLBACK_AND_REPAYMENT = 10
"""The order locked with its loan and the business date, the loan locked, a savepoint, the
schedule (with whether a settlement is approved), the entry, the installments, the domain
event, the order, its event and the savepoint released (BEGIN/COMMIT not counted)."""
BATCH = 9
BATCH_PER_ORDER = 0
"""A callback of several reports, each a repayment on a loan of its own: the orders locked with
their loans and the business date, the loans locked with their schedules read (two statements,
one round trip), ids for its entries; at its end, in one round trip, its entries, their lines,
its repayments with their installments, allocations and audit rows, its domain events, and the
orders with their report log. Nothing per report."""


class Statements:
    """Every statement sent to PostgreSQL, Django's and the prepared ones that bypass its
    cursor wrappers (`core.db.fetch_prepared`) alike: counted at psycopg's cursor."""

    def __init__(self, monkeypatch):
        self.sql: list[str] = []
        self.counting = False
        execute = psycopg.Cursor.execute

        def counted(cursor, query, *args, **kwargs):
            if self.counting:
                self.sql.append(str(query)[:160])
            return execute(cursor, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "execute", counted)

    def __enter__(self):
        self.sql.clear()
        self.counting = True
        return self

    def __exit__(self, *exc):
        self.counting = False


def success(reference: str) -> dict:
    """The local gateway's report that an order of 1.00 succeeded."""
    return {
        "reference": reference,
        "gateway_id": f"GW-{reference}",
        "status": "succeeded",
        "amount_settled": "1.00",
        "reason": "",
    }


def signed_callback(payload: dict):
    """The gateway's callback, signed, to our endpoint (answered 200)."""
    body = json.dumps(payload).encode()
    answered = client_for(None).post(
        "/api/v1/payments/callbacks/local",
        body,
        content_type="application/json",
        HTTP_GATEWAY_SIGNATURE=signature_header(body=body, secrets=[SECRET]),
    )
    assert answered.status_code == 200, answered.content
    return answered


def test_statements_per_order_on_the_full_path(rails, monkeypatch):
    statements = Statements(monkeypatch)
    rails.control(lost_rate=1)  # the callback is sent below, counted on its own
    user, borrower = make_borrower_user()
    loan = active_loan_for(borrower, on=business_date_current())
    client = client_for(user)
    url = f"/api/v1/loans/{loan.pk}/payment-orders"
    counts = []
    for n in range(3):
        with statements:
            response = client.post(
                url, {"amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY=f"count-{n}"
            )
        assert response.status_code == 201, response.content
        create = list(statements.sql)
        order = PaymentOrder.objects.get(reference=response.json()["reference"])
        with statements:
            signed_callback(success(order.reference))
        callback = list(statements.sql)
        counts.append((len(create), len(callback)))
        assert len(create) <= CREATE_AND_SUBMIT, "\n".join(create)
        assert len(callback) <= CALLBACK_AND_REPAYMENT, "\n".join(callback)
    assert len(set(counts)) == 1, counts  # the same for every order: nothing grows


@pytest.mark.parametrize("size", [2, 4])
def test_statements_of_a_callback_batch(rails, monkeypatch, size):
    statements = Statements(monkeypatch)
    rails.control(lost_rate=1)  # the callbacks are sent below, as one batch
    orders = []
    for n in range(size):
        user, borrower = make_borrower_user()
        loan = active_loan_for(borrower, on=business_date_current())
        response = client_for(user).post(
            f"/api/v1/loans/{loan.pk}/payment-orders",
            {"amount": "1.00"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"batch-{n}",
        )
        assert response.status_code == 201, response.content
        orders.append(response.json()["reference"])
    with statements:
        answered = signed_callback({"reports": [success(reference) for reference in orders]})
    assert [result["status"] for result in answered.json()["results"]] == ["succeeded"] * size
    assert len(statements.sql) == BATCH + size * BATCH_PER_ORDER, "\n".join(statements.sql)
    assert PaymentOrder.objects.filter(reference__in=orders, status="succeeded").count() == size
    assert Repayment.objects.filter(external_reference__in=orders).count() == size
    assert Event.objects.filter(type="repayment.posted").count() == size
