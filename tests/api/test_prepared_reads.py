"""The app's hot reads (the loan resource, the schedule, the token) run as prepared statements on
PostgreSQL: no ORM query compiled per request, the statements parsed once per connection. They
must answer exactly as the ORM reads they replace."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loans.selectors import consumer
from tests.eod.helpers import close_until

from .conftest import active_loan_for, client_for, make_borrower_user

pytestmark = pytest.mark.django_db


def _repay(client, loan_id: int, amount: str, key: str) -> None:
    response = client.post(
        f"/api/v1/loans/{loan_id}/repayments",
        {"amount": amount},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 201, response.content


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _overdue_paid_and_overpaid(borrower, today):
    """A weekly loan: its first row twelve days overdue with penalty interest, 100.00 paid on it; and
    a second loan paid beyond what it owes (a credit held for the borrower)."""
    behind = active_loan_for(borrower, on=today, principal="3000.00", term=3, frequency="weekly")
    ahead = active_loan_for(borrower, on=today, principal="1000.00", term=2, frequency="weekly")
    close_until(behind.installments.get(number=1).due_date + timedelta(days=12))
    return behind, ahead


@pytest.mark.parametrize("suffix", ["", "/schedule"])
def test_the_hot_reads_compile_no_query_and_reuse_their_prepared_statements(
    client, borrower_user, today, suffix
):
    short = active_loan_for(borrower_user[1], on=today, term=3)
    long = active_loan_for(borrower_user[1], on=today, term=36)
    with CaptureQueriesContext(connection) as compiled:
        assert client.get(f"/api/v1/loans/{short.id}{suffix}").status_code == 200
    prepared = _prepared()
    # the loan read: token, loan, live rows and balances; the schedule read: token and rows
    assert len(compiled) == 0
    assert sum("authtoken_token" in text for text in prepared) == 1
    assert sum("loans_installment" in text for text in prepared) == 1
    if suffix == "":
        assert sum("ledger_loanaccountbalance" in text for text in prepared) == 1
    # a longer loan's read prepares nothing new and compiles nothing either
    with CaptureQueriesContext(connection) as again:
        assert client.get(f"/api/v1/loans/{long.id}{suffix}").status_code == 200
    assert len(again) == 0 and _prepared() == prepared


def test_the_prepared_reads_answer_as_the_orm_reads(client, borrower_user, today, monkeypatch):
    behind, ahead = _overdue_paid_and_overpaid(borrower_user[1], today)
    _repay(client, behind.id, "100.00", "prep-1")
    _repay(client, ahead.id, "1050.00", "prep-2")
    paths = [
        f"/api/v1/loans/{loan.id}{suffix}"
        for loan in (behind, ahead)
        for suffix in ("", "/schedule")
    ]
    prepared = [client.get(path) for path in paths]
    monkeypatch.setattr(consumer, "prepared_reads", lambda: False)
    with CaptureQueriesContext(connection) as orm:
        by_orm = [client.get(path) for path in paths]
    assert len(orm) > 0  # the comparison really ran the ORM path
    for path, fast, slow in zip(paths, prepared, by_orm, strict=True):
        assert fast.status_code == slow.status_code == 200, path
        assert fast.content == slow.content, path
        assert fast["ETag"] == slow["ETag"], path
    detail = prepared[0].json()
    assert Decimal(detail["amount_overdue"]) > 0 and Decimal(detail["balance"]["penalties"]) > 0
    assert Decimal(prepared[2].json()["balance"]["credit"]) > 0


@pytest.mark.parametrize("suffix", ["", "/schedule"])
def test_another_borrowers_loan_is_a_404_on_the_prepared_reads(borrower_user, today, suffix):
    loan = active_loan_for(borrower_user[1], on=today, term=3)
    stranger = client_for(make_borrower_user(name="Stranger")[0])
    response = stranger.get(f"/api/v1/loans/{loan.id}{suffix}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert loan.reference not in response.content.decode()


def test_an_unknown_token_and_an_inactive_users_token_are_refused_as_drf_refuses_them(
    borrower_user, loan
):
    user = borrower_user[0]
    client = client_for(user)
    assert client.get(f"/api/v1/loans/{loan.id}").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    inactive = client.get(f"/api/v1/loans/{loan.id}")
    assert inactive.status_code == 401 and inactive.json()["detail"] == "User inactive or deleted."
    unknown = client_for(None)
    unknown.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    refused = unknown.get(f"/api/v1/loans/{loan.id}")
    assert refused.status_code == 401 and refused.json()["detail"] == "Invalid token."
    assert refused["WWW-Authenticate"] == "Token"


def test_output_serializers_bind_their_fields_once_per_class_and_render_each_object_its_own():
    from loans.api.loans import LoanDetailOutputSerializer, LoanOutputSerializer

    first, second = LoanDetailOutputSerializer(), LoanDetailOutputSerializer()
    assert first.fields is second.fields
    assert "balance" in first.fields and "balance" not in LoanOutputSerializer().fields
    product = LoanOutputSerializer().fields["product"]
    assert product.fields is type(product)().fields


def test_the_payment_read_answers_as_the_reads_it_replaces(borrower_user, today):
    """A borrower's payment reads the loan, the business date and the open installments in one
    statement: the same loan fields, date and rows as the three reads it replaces (an overdue
    row with penalty and part paid, paid rows left out), and nothing for another borrower's
    loan or a loan without open rows."""
    from ledger.services import business_date_current
    from loans.services.applying import loan_rows

    user, borrower = borrower_user
    behind, ahead = _overdue_paid_and_overpaid(borrower, today)
    _repay(client_for(user), behind.pk, "100.00", "part")
    _repay(client_for(user), ahead.pk, "1100.00", "all")
    for loan in (behind, ahead):
        read, on, rows = consumer.loan_for_payment_by_user(user=user, loan_id=loan.pk)
        ref = consumer.loan_ref_for_user(user=user, loan_id=loan.pk)
        assert on == business_date_current()
        assert {name: getattr(read, name) for name in consumer.LOAN_REF_FIELDS} == {
            name: getattr(ref, name) for name in consumer.LOAN_REF_FIELDS
        }
        fields = [field.attname for field in rows[0]._meta.concrete_fields] if rows else []
        expected = sorted(loan_rows(ref, open_only=True), key=lambda row: row.number)
        got = sorted(rows, key=lambda row: row.number)
        assert [[getattr(row, name) for name in fields] for row in got] == [
            [getattr(row, name) for name in fields] for row in expected
        ]
        assert all(row.loan is read for row in rows)
    assert rows == [] and read.status == "paid_off"  # `ahead`: nothing open
    assert any(
        row.penalty_due
        for row in consumer.loan_for_payment_by_user(user=user, loan_id=behind.pk)[2]
    )
    stranger, _ = make_borrower_user("Wang Fang")
    with pytest.raises(consumer.LoanNotFound):
        consumer.loan_for_payment_by_user(user=stranger, loan_id=behind.pk)
