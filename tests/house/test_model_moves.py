"""Models that changed app (origination's to `origination`, the audit trail and idempotency
records to `core`, adjustments to `loans`) keep their tables, rows, permissions and admin
addresses: data written under the previous schema reads back through the new models."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from core.models import AuditEvent
from loans.models import AdjustmentRequest, Borrower, Loan, Product
from origination.models import CreditLine, Drawdown, PolicyVersion

BEFORE_THE_MOVE = [
    ("loans", "0009_repayment_recovery_source"),
    ("compliance", "0006_report_schedule"),
    ("core", None),
    ("origination", None),
]
D = Decimal


@pytest.fixture(autouse=True)
def _content_type_cache():
    """Content types move back and forth here, and the test's rollback moves them again."""
    yield
    ContentType.objects.clear_cache()


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()


def _previous_schema_data(apps) -> dict[str, int]:
    """Rows of every moved model, written through the historical models of the old schema."""
    user_model = apps.get_model("auth", "User")
    maker = user_model.objects.create(username="maker", is_staff=True)
    checker = user_model.objects.create(username="checker", is_staff=True)
    product = apps.get_model("loans", "Product").objects.create(
        code="moved-cash",
        name="Cash loan",
        method="equal_installment",
        annual_rate=D("0.12"),
        min_amount=D("100"),
        max_amount=D("50000"),
    )
    borrower = apps.get_model("loans", "Borrower").objects.create(
        name="Li Na",
        national_id_ciphertext="x",
        national_id_digest="d" * 64,
        national_id_masked="1101**********1234",
    )
    loan = apps.get_model("loans", "Loan").objects.create(
        reference="LN-MOVED-1",
        borrower=borrower,
        product=product,
        status="active",
        currency="CNY",
        principal=D("5000.00"),
        annual_rate=D("0.12"),
        term=6,
        method="equal_installment",
        frequency="monthly",
        day_count="act/360",
        rounding="half_up",
        application_date=date(2026, 1, 1),
        start_date=date(2026, 1, 1),
        apr_nominal=D("0.12"),
        apr_effective=D("0.1268"),
    )
    policy = apps.get_model("loans", "PolicyVersion").objects.create(
        code="default", version=1, policy={"rules": {}}, is_active=True
    )
    line = apps.get_model("loans", "CreditLine").objects.create(
        reference="CL-MOVED-1",
        borrower=borrower,
        product=product,
        policy_version=policy,
        allowed_product_types=["cash_loan"],
        limit=D("20000.00"),
        available_amount=D("15000.00"),
        pricing_band="A",
        annual_rate=D("0.12"),
        opened_on=date(2026, 1, 1),
        expires_on=date(2027, 1, 1),
    )
    drawdown = apps.get_model("loans", "Drawdown").objects.create(
        line=line,
        loan=loan,
        idempotency_key="moved-drawdown-1",
        request_hash="h" * 64,
        amount=D("5000.00"),
        payee_kind="borrower",
        payee_name="Li Na",
        base_rate=D("0.12"),
        business_date=date(2026, 1, 1),
        created_by="tester",
    )
    event = apps.get_model("compliance", "AuditEvent").objects.create(
        actor=maker,
        actor_username="maker",
        action="loan.approve",
        object_type="loans.loan",
        object_id=str(loan.pk),
        business_date=date(2026, 1, 1),
    )
    adjustment = apps.get_model("compliance", "AdjustmentRequest").objects.create(
        loan=loan,
        kind="waive_fee",
        amount=D("10.00"),
        reason="goodwill",
        requested_by=maker,
        business_date=date(2026, 1, 1),
    )
    content_types = apps.get_model("contenttypes", "ContentType").objects
    log = apps.get_model("admin", "LogEntry").objects.create(
        user=checker,
        content_type=content_types.get(app_label="loans", model="creditline"),
        object_id=str(line.pk),
        object_repr="CL-MOVED-1",
        action_flag=ADDITION,
    )
    return {
        "checker": checker.pk,
        "loan": loan.pk,
        "line": line.pk,
        "drawdown": drawdown.pk,
        "event": event.pk,
        "adjustment": adjustment.pk,
        "log": log.pk,
        "policy": policy.pk,
    }


@pytest.mark.django_db
@pytest.mark.slow
def test_rows_written_before_the_move_read_back_through_the_moved_models():
    # given the schema before the move, with a row in every moved model
    _migrate(BEFORE_THE_MOVE)
    applied = MigrationExecutor(connection).loader.applied_migrations
    ids = _previous_schema_data(
        MigrationExecutor(connection).loader.project_state(list(applied)).apps
    )
    # when the database migrates forward (the rows' deferred foreign-key checks run first, as at
    # a commit: PostgreSQL refuses to alter a table with checks pending in the transaction)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())
    # then every row reads back through the new models, its relations intact
    line = CreditLine.objects.get(pk=ids["line"])
    assert (line.reference, line.limit, line.policy_version_id) == (
        "CL-MOVED-1",
        D("20000.00"),
        ids["policy"],
    )
    assert isinstance(line.borrower, Borrower) and isinstance(line.product, Product)
    drawdown = Drawdown.objects.get(pk=ids["drawdown"])
    assert drawdown.loan == Loan.objects.get(pk=ids["loan"]) and drawdown.line == line
    assert Loan.objects.get(pk=ids["loan"]).drawdown == drawdown
    assert PolicyVersion.objects.get(pk=ids["policy"]).is_active
    assert AuditEvent.objects.get(pk=ids["event"]).action == "loan.approve"
    adjustment = AdjustmentRequest.objects.get(pk=ids["adjustment"])
    assert (adjustment.amount, adjustment.loan_id) == (D("10.00"), ids["loan"])
    # and content types moved with them: the admin log entry and the groups' permissions follow
    assert LogEntry.objects.get(pk=ids["log"]).content_type.app_label == "origination"
    for app_label, model in (
        ("origination", "creditline"),
        ("core", "auditevent"),
        ("core", "idempotencyrecord"),
        ("loans", "adjustmentrequest"),
    ):
        assert ContentType.objects.filter(app_label=app_label, model=model).count() == 1
    approver = User.objects.get(pk=ids["checker"])
    approver.groups.add(Group.objects.get(name="approver"))
    approver = User.objects.get(pk=approver.pk)
    assert approver.has_perm("loans.approve_adjustmentrequest")
    assert not approver.has_perm("compliance.approve_adjustmentrequest")


MOVED_ADMIN = [
    ("loans", "creditline", "origination"),
    ("loans", "loanapplication", "origination"),
    ("loans", "merchant", "origination"),
    ("loans", "policyversion", "origination"),
    ("loans", "blocklistentry", "origination"),
    ("loans", "drawdown", "origination"),
    ("loans", "decisionrecord", "origination"),
    ("compliance", "adjustmentrequest", "loans"),
    ("compliance", "auditevent", "core"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "model", "new"), MOVED_ADMIN)
def test_old_admin_addresses_redirect_permanently(admin_client, old, model, new):
    listing = admin_client.get(f"/admin/{old}/{model}/?q=x")
    assert listing.status_code == 301
    assert listing["Location"] == f"/admin/{new}/{model}/?q=x"
    assert admin_client.get(listing["Location"]).status_code == 200
    change = admin_client.get(f"/admin/{old}/{model}/7/change/")
    assert (change.status_code, change["Location"]) == (301, f"/admin/{new}/{model}/7/change/")
    assert reverse(f"admin:{new}_{model}_changelist") == f"/admin/{new}/{model}/"


@pytest.mark.django_db
def test_models_that_stayed_are_not_redirected(admin_client):
    assert admin_client.get("/admin/loans/loan/").status_code == 200
    assert admin_client.get("/admin/compliance/classificationrule/").status_code == 200
