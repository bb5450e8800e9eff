"""The back office's reconciliation queue over the API: queued statement lines listed, a match,
a split and a suspense entry proposed by one user and approved (or rejected) by another, through
the admin's services; refusals are problem+json and change nothing."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from drf_spectacular.generators import SchemaGenerator

from core.models import AuditEvent
from ledger.models import JournalEntry
from payments.models import ReconciliationRequest, StatementLine
from payments.services.statements import statement_import
from tests.api.conftest import client_for, make_user, problem

from .test_statements import book  # noqa: F401 - the statements tests' book of orders

pytestmark = pytest.mark.django_db
HEADER = "对账单号,账号,交易日期,金额,摘要,流水号,期末余额"
PERMISSIONS = (
    "view_statementline",
    "add_reconciliationrequest",
    "view_reconciliationrequest",
    "change_reconciliationrequest",
)


def staff(*codenames: str):
    user = make_user(staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return client_for(user)


@pytest.fixture
def queued(book):  # noqa: F811
    rows = [
        "S-API-1,6222,20260101,505.00,two payments,B2,",
        "S-API-1,6222,20260101,404.00,one payment,B3,",
        "S-API-1,6222,20260101,9.99,who?,B9,1000.00",
        "S-API-2,7333,20260101,7.77,other account,B1,",
    ]
    lines = {}
    for statement in ("S-API-1", "S-API-2"):
        chosen = [row for row in rows if row.startswith(statement)]
        content = "\n".join([HEADER, *chosen]) + "\n"
        result = statement_import(content=content.encode(), filename="s.csv", actor="ops")
        lines[statement] = list(
            StatementLine.objects.filter(statement_id=result["id"]).order_by("line_number")
        )
    return {**book, "lines": lines["S-API-1"], "other": lines["S-API-2"][0]}


def test_staff_list_the_queue_propose_and_another_approves(queued):
    maker, checker = staff(*PERMISSIONS), staff(*PERMISSIONS)
    split_line, single_line, unknown_line = queued["lines"]
    StatementLine.objects.filter(pk=single_line.pk).update(status="unmatched")
    listed = maker.get("/api/v1/backoffice/statement-lines")
    assert listed.status_code == 200, listed.content
    assert {line["id"] for line in listed.json()} >= {split_line.pk, unknown_line.pk}
    assert all(line["status"] in ("unmatched", "duplicate") for line in listed.json())
    mine = maker.get("/api/v1/backoffice/statement-lines", {"account": "7333"}).json()
    assert [line["id"] for line in mine] == [queued["other"].pk]
    assert mine[0]["amount"] == "7.77"

    def propose(line, **body):
        return maker.post(
            f"/api/v1/backoffice/statement-lines/{line.pk}/reconciliation-requests",
            body,
            format="json",
        )

    split = propose(
        split_line,
        kind="split",
        order_references=[queued["b"].reference, queued["c"].reference],
        reason="one credit for two payments",
    )
    assert split.status_code == 202, split.content
    assert split.json()["status"] == "pending"
    suspense = propose(unknown_line, kind="suspense", reason="sender unknown").json()
    match = propose(
        single_line, kind="match", order_references=[queued["d"].reference], reason="by hand"
    ).json()
    pending = maker.get("/api/v1/backoffice/reconciliation-requests").json()
    assert [r["id"] for r in pending] == [split.json()["id"], suspense["id"], match["id"]]

    own = maker.post(f"/api/v1/backoffice/reconciliation-requests/{suspense['id']}/approve")
    assert problem(own)["status"] == 403
    assert StatementLine.objects.get(pk=unknown_line.pk).status == "unmatched"

    entries = JournalEntry.objects.count()
    for request_id in (split.json()["id"], suspense["id"]):
        approved = checker.post(
            f"/api/v1/backoffice/reconciliation-requests/{request_id}/approve",
            {"note": "checked"},
            format="json",
        )
        assert approved.status_code == 200, approved.content
        assert approved.json()["status"] == "applied"
    assert JournalEntry.objects.count() == entries + 1  # the suspense entry
    assert StatementLine.objects.get(pk=split_line.pk).status == "matched"
    assert StatementLine.objects.get(pk=unknown_line.pk).status == "suspense"
    again = checker.post(f"/api/v1/backoffice/reconciliation-requests/{suspense['id']}/approve")
    assert problem(again)["status"] == 409
    rejected = checker.post(f"/api/v1/backoffice/reconciliation-requests/{match['id']}/reject")
    assert rejected.json()["status"] == "rejected"
    assert StatementLine.objects.get(pk=single_line.pk).status == "unmatched"
    assert (
        AuditEvent.objects.filter(action__startswith="reconciliation.", source="api").count() == 3
    )


def test_bad_requests_are_problems_and_change_nothing(queued):
    maker = staff(*PERMISSIONS)
    split_line = queued["lines"][0]
    url = f"/api/v1/backoffice/statement-lines/{split_line.pk}/reconciliation-requests"
    assert (
        problem(maker.post(url, {"kind": "guess", "reason": "x"}, format="json"))["status"] == 400
    )
    one_order = maker.post(url, {"kind": "match", "reason": "x"}, format="json")
    assert problem(one_order)["status"] == 422
    assert (
        problem(maker.get("/api/v1/backoffice/statement-lines", {"status": "matched"}))["status"]
        == 400
    )
    missing = "/api/v1/backoffice/statement-lines/999999/reconciliation-requests"
    assert (
        problem(maker.post(missing, {"kind": "suspense", "reason": "x"}, format="json"))["status"]
        == 404
    )
    wrong_sum = maker.post(
        url,
        {"kind": "split", "order_references": [queued["a"].reference, queued["b"].reference],
         "reason": "x"},
        format="json",
    )  # fmt: skip
    checker = staff(*PERMISSIONS)
    refused = checker.post(
        f"/api/v1/backoffice/reconciliation-requests/{wrong_sum.json()['id']}/approve"
    )
    assert problem(refused)["status"] == 422
    assert ReconciliationRequest.objects.get(pk=wrong_sum.json()["id"]).status == "pending"
    assert StatementLine.objects.get(pk=split_line.pk).status == "unmatched"
    assert not StatementLine.objects.filter(status="suspense").exists()
    assert Decimal(split_line.amount) == Decimal("505.00")


def test_each_action_needs_its_permission(queued):
    viewer = staff("view_statementline", "view_reconciliationrequest")
    line = queued["lines"][2]
    assert viewer.get("/api/v1/backoffice/statement-lines").status_code == 200
    proposed = viewer.post(
        f"/api/v1/backoffice/statement-lines/{line.pk}/reconciliation-requests",
        {"kind": "suspense", "reason": "x"},
        format="json",
    )
    assert problem(proposed)["status"] == 403
    maker = staff("add_reconciliationrequest")
    made = maker.post(
        f"/api/v1/backoffice/statement-lines/{line.pk}/reconciliation-requests",
        {"kind": "suspense", "reason": "x"},
        format="json",
    ).json()
    decided = viewer.post(f"/api/v1/backoffice/reconciliation-requests/{made['id']}/approve")
    assert problem(decided)["status"] == 403
    assert problem(client_for(None).get("/api/v1/backoffice/statement-lines"))["status"] in (
        401,
        403,
    )
    assert not StatementLine.objects.filter(status="suspense").exists()


def test_the_reconciliation_operations_are_in_the_openapi_document():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation_ids = {
        operation["operationId"]
        for methods in schema["paths"].values()
        for operation in methods.values()
    }
    assert {
        "backoffice_statement_line_queue",
        "backoffice_reconciliation_request",
        "backoffice_reconciliation_request_list",
        "backoffice_reconciliation_approve",
        "backoffice_reconciliation_reject",
    } <= operation_ids
