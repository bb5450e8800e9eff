"""Bank statements: CSV and camt.053 imported, every kind of line (exact, split, by amount and
date, a back-office bank transfer, a duplicate, an unknown one) ends matched or queued; the
queue is resolved by two people (suspense entry, match); the daily cash reconciliation."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from ledger.services import business_date_current
from loans.services.repayments import loan_repay
from payments.errors import PaymentError
from payments.models import PaymentOrder, StatementLine
from payments.services.orders import order_create, order_submit
from payments.services.reconciliation import (
    OwnReconciliation,
    cash_reconciliation_report,
    reconciliation_decide,
    reconciliation_request,
)
from payments.services.statements import statement_import
from payments.statement_formats import CSV_COLUMNS, parse_csv
from tests.api.conftest import active_loan_for
from tests.lifecycle.factories import assert_books_consistent, make_borrower

pytestmark = pytest.mark.django_db
CAMT = (Path(__file__).parent / "data" / "camt053.xml").read_text()


def paid(loan, amount: str, key: str) -> PaymentOrder:
    order = order_create(
        loan=loan,
        direction=PaymentOrder.Direction.COLLECT,
        purpose=PaymentOrder.Purpose.REPAYMENT,
        amount=Decimal(amount),
        idempotency_key=key,
        business_date=business_date_current(),
    )
    return order_submit(order_id=order.pk)


@pytest.fixture
def book():
    today = business_date_current()
    loan = active_loan_for(make_borrower(), on=today)
    a, b, c, d = (
        paid(loan, amount, f"o{n}")
        for n, amount in enumerate(("101.00", "202.00", "303.00", "404.00"))
    )
    loan_repay(
        loan=loan,
        amount=Decimal("55.00"),
        value_date=today,
        business_date=today,
        idempotency_key="bank-transfer-1",
        channel="bank",
    )
    return {"loan": loan, "a": a, "b": b, "c": c, "d": d}


def statuses(statement_id: int) -> list[tuple[str, str]]:
    return list(
        StatementLine.objects.filter(statement_id=statement_id)
        .order_by("line_number")
        .values_list("status", "match_rule")
    )


def test_a_camt053_statement_ends_every_line_matched_or_queued_and_staff_resolve_the_queue(book):
    xml = CAMT.format(
        ref_a=book["a"].reference,
        ref_b=book["b"].reference,
        ref_c=book["c"].reference,
        exact="101.00",
        split="505.00",
        by_amount="404.00",
        bank="55.00",
        closing="1240.70",
    )
    result = statement_import(content=xml.encode(), filename="s.xml", actor="ops")
    assert (result["format"], result["lines"], result["matched"], result["queued"]) == (
        "camt053",
        6,
        4,
        2,
    )
    assert statuses(result["id"]) == [
        ("matched", "reference"),
        ("matched", "split"),
        ("matched", "amount_date"),
        ("matched", "journal"),
        ("duplicate", ""),
        ("unmatched", ""),
    ]
    with pytest.raises(PaymentError, match="imported before"):
        statement_import(content=xml.encode(), filename="s.xml", actor="ops")

    report = cash_reconciliation_report(on=business_date_current())["accounts"][0]
    assert (report["queued"], report["queued_total"]) == (2, Decimal("178.70"))

    maker = User.objects.create_user("maker", is_staff=True)
    checker = User.objects.create_user("checker", is_staff=True)
    unknown = StatementLine.objects.get(statement_id=result["id"], line_number=6)
    request = reconciliation_request(
        line=unknown, kind="suspense", order_references=[], reason="sender unknown", user=maker
    )
    with pytest.raises(OwnReconciliation):
        reconciliation_decide(request=request, user=maker, approve=True)
    assert reconciliation_decide(request=request, user=checker, approve=True).entry_id
    assert StatementLine.objects.get(pk=unknown.pk).status == "suspense"
    report = cash_reconciliation_report(on=business_date_current())["accounts"][0]
    assert (report["queued"], report["suspense"]) == (1, 1)
    assert_books_consistent()


def test_a_csv_statement_by_the_documented_columns_and_a_manual_split(book):
    header = "对账单号,账号,交易日期,金额,摘要,流水号,期末余额"
    assert all(name in sum(CSV_COLUMNS.values(), ()) for name in header.split(","))
    rows = [
        f"S-CSV-1,6222,20260101,101.00,{book['a'].reference},B1,1010.00",
        "S-CSV-1,6222,20260101,505.00,two payments,B2,",
        "S-CSV-1,6222,20260101,101.00,again,B1,",
        "S-CSV-1,6222,20260101,9.99,who?,B9,",
    ]
    parsed = parse_csv(("\n".join([header, *rows]) + "\n").encode())
    assert parsed.closing_balance == Decimal("1010.00") and len(parsed.lines) == 4
    result = statement_import(
        content=("\n".join([header, *rows]) + "\n").encode(), filename="s.csv", actor="ops"
    )
    assert statuses(result["id"])[0] == ("matched", "reference")
    assert statuses(result["id"])[2] == ("duplicate", "")
    assert statuses(result["id"])[3] == ("unmatched", "")
    # 505.00 names no order and no single order or journal line has that amount: queued
    two = StatementLine.objects.get(statement_id=result["id"], line_number=2)
    assert two.status == "unmatched"
    maker = User.objects.create_user("maker", is_staff=True)
    checker = User.objects.create_user("checker", is_staff=True)
    request = reconciliation_request(
        line=two,
        kind="split",
        order_references=[book["b"].reference, book["c"].reference],
        reason="one bank credit for two payments",
        user=maker,
    )
    reconciliation_decide(request=request, user=checker, approve=True)
    assert StatementLine.objects.get(pk=two.pk).status == "matched"
    assert sorted(two.matches.values_list("order__reference", flat=True)) == sorted(
        [book["b"].reference, book["c"].reference]
    )


def test_a_file_that_is_not_a_statement_is_refused_and_changes_nothing(db):
    with pytest.raises(PaymentError, match="header lacks"):
        statement_import(content=b"a,b\n1,2\n", filename="x.csv", actor="ops")
    with pytest.raises(PaymentError, match="camt.053"):
        statement_import(content=b"<Document/>", filename="x.xml", actor="ops")
    assert not StatementLine.objects.exists()


def test_staff_propose_in_the_queue_and_another_approves_in_the_admin(book, client):
    from django.contrib.auth.models import Permission

    csv_text = "statement_id,account,booking_date,amount,reference\nS-ADM,6222,2026-01-01,8.88,?\n"
    result = statement_import(content=csv_text.encode(), filename="s.csv", actor="ops")
    line = StatementLine.objects.get(statement_id=result["id"])
    maker = User.objects.create_user("maker", is_staff=True, password="pw")
    checker = User.objects.create_user("checker", is_staff=True, password="pw")
    permissions = Permission.objects.filter(content_type__app_label="payments")
    for user in (maker, checker):
        user.user_permissions.set(permissions)
    client.force_login(maker)
    response = client.post(
        "/admin/payments/statementline/",
        {"action": "propose_suspense", "_selected_action": [line.pk]},
    )
    assert response.status_code == 302
    request = line.requests.get()
    client.post(
        "/admin/payments/reconciliationrequest/",
        {"action": "approve", "_selected_action": [request.pk]},
    )
    assert StatementLine.objects.get(pk=line.pk).status == "unmatched"  # the maker cannot
    client.force_login(checker)
    client.post(
        "/admin/payments/reconciliationrequest/",
        {"action": "approve", "_selected_action": [request.pk]},
    )
    assert StatementLine.objects.get(pk=line.pk).status == "suspense"
    assert client.get("/admin/payments/statementline/?status__exact=unmatched").status_code == 200
    assert client.get("/admin/payments/paymentorder/").status_code == 200
