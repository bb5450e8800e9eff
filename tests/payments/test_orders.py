"""Payment orders through the immediate backend: one ledger effect per order whatever is reported
after, kept by the database too; the state machine is protected; keys are idempotent."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from core.errors import IdempotencyKeyReused
from ledger.models import JournalLine
from ledger.services import business_date_current
from loans.models import Loan, Repayment
from payments.gateways import GatewayReport, ReportStatus
from payments.models import PaymentOrder, PaymentOrderEvent
from payments.services.orders import (
    order_create,
    order_report_apply,
    order_reports_apply,
    order_submit,
)
from payments.services.payouts import loan_payout_start, payout_abandon
from tests.api.conftest import active_loan_for
from tests.lifecycle.factories import assert_books_consistent, make_borrower, make_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def loan():
    return active_loan_for(make_borrower(), on=business_date_current())


def collect(loan, amount="500.00", key="k1"):
    return order_create(
        loan=loan,
        direction=PaymentOrder.Direction.COLLECT,
        purpose=PaymentOrder.Purpose.REPAYMENT,
        amount=Decimal(amount),
        idempotency_key=key,
        business_date=business_date_current(),
    )


def report(order, status, **extra):
    return GatewayReport(reference=order.reference, status=status, **extra)


def test_a_collect_order_posts_one_repayment_whatever_is_reported_after(loan):
    order = order_submit(order_id=collect(loan).pk)
    assert order.status == PaymentOrder.Status.SUCCEEDED
    assert order.effect_key == f"payorder:{order.reference}"
    for status in (ReportStatus.SUCCEEDED, ReportStatus.FAILED, ReportStatus.PENDING):
        assert order_report_apply(report=report(order, status), source="callback").status == (
            PaymentOrder.Status.SUCCEEDED
        )
    repayment = Repayment.objects.get(loan=loan)
    assert (repayment.amount, repayment.external_reference) == (Decimal("500.00"), order.reference)
    outcomes = list(order.events.values_list("outcome", flat=True))
    assert outcomes == ["applied"] + ["ignored"] * 3
    assert_books_consistent()


def test_the_database_refuses_a_settled_order_without_its_effect_and_a_second_effect(loan):
    first = order_submit(order_id=collect(loan).pk)
    second = collect(loan, key="k2")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOrder.objects.filter(pk=second.pk).update(status="succeeded")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOrder.objects.filter(pk=second.pk).update(
            status="succeeded", effect_key=first.effect_key
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentOrder.objects.filter(pk=first.pk).update(status="failed")


def test_the_state_machine_is_protected(loan):
    order = collect(loan)
    with pytest.raises(AttributeError):
        order.status = PaymentOrder.Status.SUCCEEDED


def test_a_key_reused_for_another_order_is_refused_and_a_retry_returns_the_first(loan):
    order = collect(loan)
    assert collect(loan).pk == order.pk
    with pytest.raises(IdempotencyKeyReused):
        collect(loan, amount="501.00")
    assert PaymentOrder.objects.count() == 1


def test_a_chargeback_reverses_the_repayment_once(loan):
    order = order_submit(order_id=collect(loan).pk)
    for _ in range(2):
        order = order_report_apply(report=report(order, ReportStatus.REVERSED), source="callback")
    assert order.status == PaymentOrder.Status.REVERSED
    assert Repayment.objects.get(loan=loan).status == Repayment.Status.REVERSED
    assert list(order.events.values_list("outcome", flat=True)) == ["applied", "applied", "ignored"]
    cash = JournalLine.objects.filter(account__code="1002").aggregate(
        d=Sum("debit"), c=Sum("credit")
    )
    assert cash["d"] - cash["c"] == -loan.principal  # paid out; received and given back
    assert_books_consistent()


def test_a_partial_settlement_posts_what_moved(loan):
    order = collect(loan)
    order_report_apply(
        report=report(order, ReportStatus.SUCCEEDED, amount=Decimal("120.00")), source="callback"
    )
    assert Repayment.objects.get(loan=loan).amount == Decimal("120.00")


def test_a_payout_activates_the_loan_only_when_it_succeeds(settings):
    today = business_date_current()
    loan = make_loan("6000.00", 6, today)
    order = loan_payout_start(loan=loan, business_date=today, actor="staff")
    assert order.status == PaymentOrder.Status.SUCCEEDED
    loan = Loan.objects.get(pk=loan.pk)
    assert loan.status == Loan.Status.ACTIVE
    assert order.effect_key == f"disbursement:{loan.pk}"
    assert_books_consistent()


def test_a_failed_payout_leaves_the_loan_approved_then_cancelled_with_nothing_booked():
    today = business_date_current()
    loan = make_loan("6000.00", 6, today)
    order = order_create(
        loan=loan,
        direction=PaymentOrder.Direction.PAYOUT,
        purpose=PaymentOrder.Purpose.DISBURSEMENT,
        amount=loan.principal,
        idempotency_key=f"payout:{loan.pk}:1",
        business_date=today,
        gateway="local",
    )
    order_report_apply(
        report=report(order, ReportStatus.FAILED, reason="account closed"), source="callback"
    )
    loan = Loan.objects.get(pk=loan.pk)
    assert loan.status == Loan.Status.APPROVED
    assert not JournalLine.objects.filter(loan_id=loan.pk).exists()
    payout_abandon(loan=loan, business_date=today, actor="staff", reason="payout failed")
    loan = Loan.objects.get(pk=loan.pk)
    assert loan.status == Loan.Status.CANCELLED
    assert not JournalLine.objects.filter(loan_id=loan.pk).exists()
    assert PaymentOrderEvent.objects.filter(order=order, outcome="applied").count() == 1


def test_the_order_locked_for_a_report_is_the_order_and_loan_the_orm_reads(loan):
    from django.forms.models import model_to_dict

    from payments.services.orders import order_by_reference

    order = collect(loan)
    with transaction.atomic():
        locked = order_by_reference(order.reference, lock=True)
        read = PaymentOrder.objects.select_related("loan").get(pk=order.pk)
        assert model_to_dict(locked) == model_to_dict(read)
        assert locked.created_at == read.created_at and locked.updated_at == read.updated_at
        assert model_to_dict(locked.loan, exclude=["terms_snapshot"]) == model_to_dict(
            read.loan, exclude=["terms_snapshot"]
        )
        assert not locked._state.adding and locked.status == PaymentOrder.Status.CREATED
    with pytest.raises(Exception, match="No payment order"):
        order_by_reference("PO-NEVER-ISSUED", lock=True)


def savepoints(queries) -> int:
    return sum(query["sql"].startswith("SAVEPOINT") for query in queries)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_takes_savepoints_only_when_a_report_is_refused(loan):
    """A callback's batch of accepted reports is applied with no savepoint; one the books refuse
    (more than was ordered), applied after another report's repayment was written, rolls that
    attempt back whole, and the batch is applied again report by report: the others post once."""
    first, second = collect(loan, "100.00", key="b1"), collect(loan, "100.00", key="b2")
    with CaptureQueriesContext(connection) as queries:
        results = order_reports_apply(
            reports=[report(first, ReportStatus.SUCCEEDED), report(second, ReportStatus.SUCCEEDED)],
            source="callback",
        )
    assert [result.status for result in results] == [PaymentOrder.Status.SUCCEEDED] * 2
    assert savepoints(queries) == 0

    good, refused, last = (collect(loan, "100.00", key=f"c{n}") for n in range(3))
    with CaptureQueriesContext(connection) as queries:
        results = order_reports_apply(
            reports=[
                report(last, ReportStatus.SUCCEEDED),
                report(refused, ReportStatus.SUCCEEDED, amount=Decimal("100.01")),
                report(good, ReportStatus.SUCCEEDED),
            ],
            source="callback",
        )
    assert savepoints(queries) >= 3
    assert (results[0].status, results[2].status) == (PaymentOrder.Status.SUCCEEDED,) * 2
    assert "100.01" in str(results[1])
    refused = PaymentOrder.objects.get(pk=refused.pk)
    assert refused.status == PaymentOrder.Status.CREATED and not refused.events.exists()
    paid = Repayment.objects.filter(loan=loan).values_list("external_reference", flat=True)
    assert sorted(paid) == sorted(o.reference for o in (first, second, good, last))
    assert_books_consistent()


def test_a_batch_reads_ahead_the_loans_it_repays_once_and_posts_each_order_once(monkeypatch, loan):
    """The loans with one success in the batch (of an open collect order) are locked and read
    together before it is applied; a loan with two reports is read by its payments, one after
    the other, as is a loan whose only report is a failure (not read at all)."""
    from loans.services import loan_io

    asked = []
    real = loan_io._locked_loans
    monkeypatch.setattr(
        loan_io,
        "_locked_loans",
        lambda sql, params, loan_ids: asked.append(list(loan_ids)) or real(sql, params, loan_ids),
    )
    single, failing = (active_loan_for(make_borrower(), on=business_date_current()) for _ in "ab")
    twice = [collect(loan, "100.00", key=f"t{n}") for n in range(2)]
    once, refused = collect(single, "100.00", key="s"), collect(failing, "100.00", key="f")
    results = order_reports_apply(
        reports=[
            report(twice[1], ReportStatus.SUCCEEDED),
            report(refused, ReportStatus.FAILED, reason="insufficient funds"),
            report(once, ReportStatus.SUCCEEDED),
            report(twice[0], ReportStatus.SUCCEEDED),
        ],
        source="callback",
    )
    assert asked[0] == [single.pk]  # read ahead
    assert asked[1:] == [[loan.pk], [loan.pk]]  # the two payments on `loan`, in order
    assert [result.status for result in results] == ["succeeded", "failed", *["succeeded"] * 2]
    for order in (*twice, once):
        assert Repayment.objects.filter(idempotency_key=f"payorder:{order.reference}").count() == 1
    assert not Repayment.objects.filter(loan=failing).exists()
    assert_books_consistent()


def test_a_batch_writes_its_orders_and_their_reports_as_applied_late_success_included(loan):
    """The batch keeps its orders' rows and report log and writes them at its end: the rows as
    the reports left them, the log in the order the reports were applied. A success after a
    failure in the same batch (which reads the loan's orders) finds the failure written."""
    from payments.services.orders import order_by_reference

    late, plain = collect(loan, "100.00", key="late"), collect(loan, "100.00", key="plain")
    with transaction.atomic():  # sent: the gateway's reports follow
        for order in (late, plain):
            order = order_by_reference(order.reference, lock=True)
            order.submit()
            order.save()
    results = order_reports_apply(
        reports=[
            report(late, ReportStatus.FAILED, reason="insufficient funds"),
            report(plain, ReportStatus.SUCCEEDED, provider_reference="GW-P"),
            report(plain, ReportStatus.SUCCEEDED),  # a duplicate
            report(late, ReportStatus.SUCCEEDED),  # the money moved after all
        ],
        source="callback",
    )
    assert [result.status for result in results] == ["succeeded"] * 4
    plain, late = (PaymentOrder.objects.get(pk=order.pk) for order in (plain, late))
    assert (plain.status, plain.provider_reference) == ("succeeded", "GW-P")
    assert plain.effect_key == f"payorder:{plain.reference}" and plain.amount_settled == 100
    assert plain.updated_at > plain.created_at and plain.settled_at is not None
    assert late.failure_reason == "reported failed first: insufficient funds"
    logged = list(
        PaymentOrderEvent.objects.filter(source="callback")
        .order_by("id")
        .values_list("order_id", "reported_status", "outcome")
    )
    assert logged == [
        (late.pk, "failed", "applied"),
        (late.pk, "succeeded", "applied"),
        (plain.pk, "succeeded", "applied"),
        (plain.pk, "succeeded", "ignored"),
    ]  # applied in order order (`late` was created first), each order's in report order
    assert Repayment.objects.filter(loan=loan).count() == 2
    assert_books_consistent()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_batch_posts_its_entries_together_and_a_refused_one_sends_it_report_by_report(
    monkeypatch, loan
):
    """The repayments of a batch's read-ahead loans are booked in one write at its end. If the
    books refuse that write (here: one repayment's entry key is taken by another entry), the
    attempt is rolled back whole and the batch applied again with each entry posted as it goes:
    the refused report changes nothing, the others post once."""
    import json

    from ledger.deferred import ENTRIES_SQL
    from ledger.models import JournalEntry
    from ledger.services import entry_post
    from payments.services import orders as order_service
    from tests.ledger.helpers import transfer

    written = []  # how many entries each batch's write carried
    real = order_service.fetch_pipelined

    def spied(statements):
        written.extend(len(json.loads(p[0])) for sql, p in statements if sql == ENTRIES_SQL)
        return real(statements)

    monkeypatch.setattr(order_service, "fetch_pipelined", spied)

    others = [active_loan_for(make_borrower(), on=business_date_current()) for _ in "ab"]
    orders = [collect(each, "100.00", key=f"e{n}") for n, each in enumerate([loan, *others])]
    results = order_reports_apply(
        reports=[report(order, ReportStatus.SUCCEEDED) for order in orders[:2]], source="callback"
    )
    assert [result.status for result in results] == ["succeeded"] * 2
    assert written == [2]  # both entries in one write
    entries = JournalEntry.objects.filter(kind="repayment").order_by("id")
    assert [entry.idempotency_key for entry in entries] == [
        f"repayment:{order.loan_id}:payorder:{order.reference}:g1" for order in orders[:2]
    ]

    taken = orders[2]
    entry_post(
        spec=transfer(f"repayment:{taken.loan_id}:payorder:{taken.reference}:g1", "1.00"),
    )
    more = [collect(each, "100.00", key=f"m{n}") for n, each in enumerate([loan, others[0]])]
    results = order_reports_apply(
        reports=[report(order, ReportStatus.SUCCEEDED) for order in [more[0], taken, more[1]]],
        source="callback",
    )
    assert written == [2, 3]  # the refused write; applied again, each entry posted at once
    assert (results[0].status, results[2].status) == ("succeeded", "succeeded")
    assert "already used for a different entry" in str(results[1])
    assert PaymentOrder.objects.get(pk=taken.pk).status == PaymentOrder.Status.CREATED
    assert not Repayment.objects.filter(loan_id=taken.loan_id).exists()
    for order in [*orders[:2], *more]:
        assert Repayment.objects.filter(idempotency_key=f"payorder:{order.reference}").count() == 1
    assert_books_consistent()


def test_a_batch_that_pays_a_loan_off_writes_its_events_in_order(loan):
    """A report in a batch that pays its loan off: the repayment's event is kept, the pay-off
    transition's event (written at once) writes it first, so the loan's events read repayment,
    then paid off; the release of its deferred yield is booked with the batch."""
    from events.models import Event
    from loans.services.payoff import loan_payoff_quote

    other = active_loan_for(make_borrower(), on=business_date_current())
    total = loan_payoff_quote(loan=loan, on=business_date_current()).total
    payoff, plain = collect(loan, str(total), key="off"), collect(other, "100.00", key="on")
    results = order_reports_apply(
        reports=[report(payoff, ReportStatus.SUCCEEDED), report(plain, ReportStatus.SUCCEEDED)],
        source="callback",
    )
    assert [result.status for result in results] == ["succeeded"] * 2
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.PAID_OFF
    events = list(
        Event.objects.filter(subject=f"loan/{loan.pk}")
        .order_by("sequence")
        .values_list("type", flat=True)
    )
    assert events[-2:] == ["repayment.posted", "loan.paid_off"]
    sequences = list(
        Event.objects.filter(subject=f"loan/{loan.pk}")
        .order_by("position")
        .values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, len(sequences) + 1))
    assert Event.objects.filter(subject=f"loan/{other.pk}", type="repayment.posted").count() == 1
    assert_books_consistent()
