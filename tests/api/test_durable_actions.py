"""Every money movement is a durable action with its audit row inside (issue 22.4): the service
opens the outermost transaction, writes the audit row in it, and side effects wait for commit."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.db import transaction
from django.test import RequestFactory

from core.models import AuditEvent
from ledger.services import business_date_current
from loans.eod import close_day_run, close_step_names
from loans.models import CloseRun, Loan, Repayment
from loans.services import applying
from loans.services.repayments import loan_repay
from tests.origination.factories import draw, open_line
from tests.origination.factories import make_product as make_origination_product

from .conftest import active_loan_for, make_borrower_user

pytestmark = pytest.mark.django_db


def repay(loan: Loan, key: str, **options) -> Repayment:
    today = business_date_current()
    return loan_repay(
        loan=loan,
        amount=Decimal("300.00"),
        value_date=today,
        business_date=today,
        idempotency_key=key,
        **options,
    )


def test_a_borrowers_api_repayment_leaves_one_audit_row(client, loan, borrower_user):
    user, _ = borrower_user
    url = f"/api/v1/loans/{loan.id}/repayments"
    first = client.post(url, {"amount": "300.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(url, {"amount": "300.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201, first.json()
    event = AuditEvent.objects.get(action="repayment.record")
    assert (event.actor, event.source, event.object_type) == (user, "api", "loans.repayment")
    assert event.object_id == str(first.json()["id"])
    assert event.after["amount"] == "300.00" and event.after["loan"] == loan.reference
    assert event.business_date == business_date_current()


def test_a_drawdown_leaves_one_audit_row():
    product = make_origination_product("cash_loan")
    drawdown = draw(open_line(product), product, "5000", 6)
    event = AuditEvent.objects.get(action="drawdown.create")
    assert (event.object_type, event.object_id) == ("origination.drawdown", str(drawdown.pk))
    assert event.after["loan"] == drawdown.loan.reference
    # the drawdown's disbursement is part of the drawdown: no row of its own
    assert not AuditEvent.objects.filter(action="loan.disburse").exists()


def test_a_rolled_back_repayment_leaves_no_audit_row(loan, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("lost after the repayment and its audit row were written")

    monkeypatch.setattr(applying, "loan_status_settle", fail)
    with pytest.raises(RuntimeError):
        repay(loan, "rolled-back")
    assert not Repayment.objects.filter(loan=loan).exists()
    assert not AuditEvent.objects.filter(action="repayment.record").exists()


def test_a_durable_service_refuses_to_run_inside_an_open_transaction(loan):
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        repay(loan, "nested")
    # composed explicitly into the caller's transaction, it runs and audits there
    with transaction.atomic():
        repay(loan, "composed", durable=False)
    assert AuditEvent.objects.filter(action="repayment.record").count() == 1


def test_the_close_writes_one_audit_row_per_step_not_per_loan(today):
    for name in ("Li Na", "Wang Fang", "Zhao Lei"):
        active_loan_for(make_borrower_user(name)[1], on=date(2025, 11, 1))
    close_day_run()
    steps = AuditEvent.objects.filter(action="close.step", business_date=today).order_by("id")
    assert [event.after["step"] for event in steps] == list(close_step_names())
    assert {(event.source, event.actor_username) for event in steps} == {("close", "eod")}
    accrual = steps.get(after__step="accrual")
    assert accrual.after["loans"] == 3 and accrual.after["entries"] == 3


def test_the_admins_resume_button_queues_the_close_once_committed(
    admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    from loans import tasks

    queued = []
    monkeypatch.setattr(tasks.close_business_day, "delay", lambda day: queued.append(day))
    run = CloseRun.objects.create(
        business_date=business_date_current(), status="failed", current_step="accrual"
    )
    request = RequestFactory().post("/admin/loans/closerun/")
    request.user = admin_user
    request._messages = type("Messages", (), {"add": lambda *args, **kwargs: None})()
    admin = site.get_model_admin(CloseRun)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin.resume(request, CloseRun.objects.filter(pk=run.pk))
        assert queued == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    assert queued == [run.business_date.isoformat()]
