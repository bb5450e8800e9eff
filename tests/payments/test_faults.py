"""Faults on real rails: the local gateway as a process, its signed callbacks to our live server.
Whatever the gateway does — callbacks twice, before the submit is answered, a stale failure
after a success, none at all, an answer too late, our process killed between sending and
recording — each order posts at most once, each success exactly once, and the books reconcile."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from events.signing import signature_header
from ledger.services import business_date_current
from loans.models import Loan, Repayment
from payments.gateways import gateways_forget
from payments.models import PaymentOrder, PaymentOrderEvent
from payments.services.orders import order_create, order_submit, orders_poll
from payments.services.payouts import loan_payout_start
from tests.api.conftest import active_loan_for
from tests.lifecycle.factories import assert_books_consistent, make_borrower, make_loan

from .conftest import ROOT, SECRET, gateway_start, until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
Status = PaymentOrder.Status


@pytest.fixture
def loan():
    return active_loan_for(make_borrower(), on=business_date_current())


def new_order(loan, key: str, amount: str = "300.00") -> PaymentOrder:
    return order_create(
        loan=loan,
        direction=PaymentOrder.Direction.COLLECT,
        purpose=PaymentOrder.Purpose.REPAYMENT,
        amount=Decimal(amount),
        idempotency_key=key,
        business_date=business_date_current(),
    )


def status_of(order) -> str:
    return PaymentOrder.objects.values_list("status", flat=True).get(pk=order.pk)


def settled(*orders):
    return all(status_of(o) not in PaymentOrder.OPEN for o in orders)


def assert_each_success_posted_once():
    succeeded = PaymentOrder.objects.filter(status=Status.SUCCEEDED)
    repayments = Repayment.objects.filter(channel="gateway", status=Repayment.Status.POSTED)
    assert sorted(repayments.values_list("idempotency_key", flat=True)) == sorted(
        succeeded.values_list("effect_key", flat=True)
    )
    assert (
        repayments.aggregate(s=Sum("amount"))["s"]
        == succeeded.aggregate(s=Sum("amount_settled"))["s"]
    )
    assert (
        not Repayment.objects.filter(channel="gateway")
        .exclude(external_reference__in=succeeded.values("reference"))
        .exists()
    )
    assert_books_consistent()


def at_the_gateway(order, status: str) -> None:
    """Wait until the gateway reports `order` in `status`: it settles an order on a thread of its
    own a moment after taking it, later than that on a loaded box."""
    from payments.gateways import gateway_for

    until(lambda: gateway_for("local").query(order).status == status, timeout=20)


def test_duplicate_callbacks_post_once(rails, loan):
    rails.control(duplicate_rate=1)
    orders = [order_submit(order_id=new_order(loan, f"dup{n}").pk) for n in range(3)]
    until(lambda: PaymentOrderEvent.objects.filter(source="callback").count() == 6)
    assert [status_of(o) for o in orders] == [Status.SUCCEEDED] * 3
    ignored = PaymentOrderEvent.objects.filter(source="callback", outcome="ignored")
    assert ignored.count() == 3
    assert_each_success_posted_once()


def test_a_callback_before_the_submit_is_answered(rails, loan):
    rails.control(early_callback_rate=1, latency_ms=200)
    order = order_submit(order_id=new_order(loan, "early").pk)
    assert order.status == Status.SUCCEEDED
    sources = list(order.events.values_list("source", "outcome"))
    assert sources == [("callback", "applied"), ("submit", "ignored")]
    assert_each_success_posted_once()


def test_a_stale_failure_after_a_success_changes_nothing(rails, loan):
    rails.control(stale_failure_rate=1)
    order = order_submit(order_id=new_order(loan, "stale").pk)
    until(lambda: PaymentOrderEvent.objects.filter(order=order, source="callback").count() == 2)
    assert status_of(order) == Status.SUCCEEDED
    assert list(
        PaymentOrderEvent.objects.filter(order=order, source="callback").values_list(
            "reported_status", "outcome"
        )
    ) == [("succeeded", "applied"), ("failed", "ignored")]
    assert_each_success_posted_once()


def test_a_failed_order_posts_nothing(rails, loan):
    rails.control(failure_rate=1)
    order = order_submit(order_id=new_order(loan, "fail").pk)
    until(lambda: settled(order))
    assert status_of(order) == Status.FAILED
    assert not Repayment.objects.filter(channel="gateway").exists()
    assert_each_success_posted_once()


def test_a_lost_callback_is_recovered_by_polling(rails, loan):
    rails.control(lost_rate=1, callback_delay_ms=0)
    order = order_submit(order_id=new_order(loan, "lost").pk)
    assert order.status == Status.SUBMITTED
    at_the_gateway(order, "succeeded")
    assert status_of(order) == Status.SUBMITTED
    call_command("payments_poll", "--older-than", "0")  # what make run and beat run
    assert status_of(order) == Status.SUCCEEDED
    assert orders_poll(older_than=timedelta(0)) == 0
    assert_each_success_posted_once()


def test_a_gateway_that_times_out(rails, loan, settings):
    settings.PAYMENTS_GATEWAY_TIMEOUT = 0.3
    from payments.gateways import gateways_forget

    gateways_forget()
    rails.control(latency_ms=1500, lost_rate=1)
    order = order_submit(order_id=new_order(loan, "slow").pk)
    assert order.status == Status.CREATED  # no answer: nothing recorded, nothing posted
    rails.control(latency_ms=0)
    at_the_gateway(order, "succeeded")
    orders_poll(older_than=timedelta(0))
    assert status_of(order) == Status.SUCCEEDED
    assert_each_success_posted_once()


def test_killed_between_sending_an_order_and_recording_it(rails, loan, live_server):
    """A separate process sends the order and is killed (SIGKILL) while the gateway holds its
    answer: the order stays created; sending again and polling settle it once."""
    order = new_order(loan, "killed")
    rails.control(latency_ms=5000, lost_rate=1)
    name = connection.settings_dict["NAME"]
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PAYMENTS_GATEWAY": "local",
        "PAYMENTS_GATEWAY_URL": rails.url,
        "PAYMENTS_GATEWAY_SECRET": SECRET,
        "PAYMENTS_CALLBACK_URL": f"{live_server.url}/api/v1/payments/callbacks/local",
    }
    sender = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c"]
        + [f"from payments.services.orders import order_submit; order_submit(order_id={order.pk})"],
        cwd=ROOT,
        env=environment,
    )

    def gateway_has_it():
        try:
            with urllib.request.urlopen(f"{rails.url}/health", timeout=1):
                pass
            from payments.gateways import gateway_for

            return gateway_for("local").query(order).status != "unknown"
        except urllib.error.URLError:
            return False

    until(gateway_has_it, timeout=20)
    sender.send_signal(signal.SIGKILL)
    sender.wait()
    assert status_of(order) == Status.CREATED
    rails.control(latency_ms=0)
    at_the_gateway(order, "succeeded")
    # Sent again under the same reference: the gateway answers the order as it stands (settled,
    # its callback lost), so no second order exists and the first settles once.
    assert order_submit(order_id=order.pk).status in (Status.SUBMITTED, Status.SUCCEEDED)
    orders_poll(older_than=timedelta(0))
    assert status_of(order) == Status.SUCCEEDED
    assert_each_success_posted_once()


def post_callback(live_server, body: bytes, signature: str) -> int:
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/payments/callbacks/local",
        data=body,
        headers={"Gateway-Signature": signature, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_forged_stale_and_unknown_callbacks_change_nothing(rails, loan, live_server):
    rails.control(lost_rate=1)
    order = order_submit(order_id=new_order(loan, "forged").pk)
    body = (
        f'{{"reference": "{order.reference}", "status": "succeeded", "amount_settled": "300.00"}}'
    ).encode()
    forged = signature_header(body=body, secrets=["not-the-secret"])
    stale = signature_header(body=body, secrets=[SECRET], timestamp=int(time.time()) - 3600)
    assert post_callback(live_server, body, forged) == 401
    assert post_callback(live_server, body, stale) == 401
    unknown = body.replace(order.reference.encode(), b"PO0000000000000000")
    assert (
        post_callback(live_server, unknown, signature_header(body=unknown, secrets=[SECRET])) == 404
    )
    assert status_of(order) == Status.SUBMITTED
    assert not PaymentOrderEvent.objects.filter(source="callback").exists()
    assert post_callback(live_server, body, signature_header(body=body, secrets=[SECRET])) == 200
    assert status_of(order) == Status.SUCCEEDED
    assert_each_success_posted_once()


@pytest.fixture
def one_sender(rails, settings):
    """A gateway of its own whose one callback sender gathers every report in its batches."""
    gateway = gateway_start("--senders", "1")
    settings.PAYMENTS_GATEWAY_URL = gateway.url
    gateways_forget()
    yield gateway
    gateway.process.kill()
    gateway.process.wait()
    gateways_forget()


def test_batched_callbacks_with_duplicates_and_stale_failures_post_each_success_once(
    one_sender, loan
):
    rails = one_sender
    rails.control(
        callback_batch=20,
        callback_batch_window_ms=2000,
        callback_delay_ms=50,
        duplicate_rate=1,
        stale_failure_rate=1,
    )
    before = rails.delivered()
    orders = [order_submit(order_id=new_order(loan, f"batch{n}", "50.00").pk) for n in range(6)]
    until(lambda: settled(*orders))
    until(lambda: PaymentOrderEvent.objects.filter(source="callback").count() == 18)
    assert [status_of(o) for o in orders] == [Status.SUCCEEDED] * 6
    outcomes = PaymentOrderEvent.objects.filter(source="callback")
    assert outcomes.filter(outcome="applied").count() == 6
    assert outcomes.filter(outcome="ignored").count() == 12  # each duplicate and stale failure
    delivered = rails.delivered()
    callbacks = delivered["callbacks"] - before["callbacks"]
    reports = delivered["reports"] - before["reports"]
    assert reports == 18 and callbacks < 6  # several orders' reports in one callback
    assert_each_success_posted_once()


def test_a_batch_applies_what_it_can_and_answers_each_report(rails, loan, live_server):
    rails.control(lost_rate=1)
    good, refused = (order_submit(order_id=new_order(loan, k).pk) for k in ("good", "refused"))
    body = json.dumps(
        {
            "reports": [
                {"reference": good.reference, "status": "succeeded", "amount_settled": "300.00"},
                {"reference": "PO0000000000000000", "status": "succeeded"},
                # more than was ordered: the books refuse it, and only it
                {"reference": refused.reference, "status": "succeeded", "amount_settled": "301"},
            ]
        }
    ).encode()
    forged = signature_header(body=body, secrets=["not-the-secret"])
    assert post_callback(live_server, body, forged) == 401
    assert status_of(good) == Status.SUBMITTED
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/payments/callbacks/local",
        data=body,
        headers={
            "Gateway-Signature": signature_header(body=body, secrets=[SECRET]),
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        results = json.loads(response.read())["results"]
    assert [(r["reference"], r["status"]) for r in results] == [
        (good.reference, Status.SUCCEEDED),
        ("PO0000000000000000", None),
        (refused.reference, None),
    ]
    assert "No payment order" in results[1]["error"] and "301" in results[2]["error"]
    assert (status_of(good), status_of(refused)) == (Status.SUCCEEDED, Status.SUBMITTED)
    assert not refused.events.filter(source="callback").exists()
    assert_each_success_posted_once()


def test_a_success_after_a_recorded_failure_posts_once(rails, loan):
    """The gateway reports failed, then (the money moved after all) succeeded, and the success
    callback is sent twice: the order ends succeeded with one repayment on its value date."""
    rails.control(late_success_rate=1, late_success_delay_ms=300, duplicate_rate=1)
    order = order_submit(order_id=new_order(loan, "late").pk)
    until(lambda: status_of(order) == Status.FAILED)
    assert not Repayment.objects.filter(channel="gateway").exists()
    until(lambda: status_of(order) == Status.SUCCEEDED)
    until(lambda: PaymentOrderEvent.objects.filter(order=order, source="callback").count() == 4)
    assert list(
        PaymentOrderEvent.objects.filter(order=order, source="callback").values_list(
            "reported_status", "outcome"
        )
    ) == [
        ("failed", "applied"),
        ("failed", "ignored"),
        ("succeeded", "applied"),
        ("succeeded", "ignored"),
    ]
    assert Repayment.objects.get(external_reference=order.reference).value_date == (
        business_date_current()
    )
    assert orders_poll(older_than=timedelta(0)) == 0
    assert_each_success_posted_once()


def test_a_late_success_whose_callback_was_lost_is_found_by_polling(rails, loan):
    """No callback at all: polling finds the failure, and polling again (failed orders are
    asked about for `PAYMENTS_FAILED_RECHECK_MINUTES`) finds the success after it."""
    rails.control(late_success_rate=1, late_success_delay_ms=3000, lost_rate=1)
    order = order_submit(order_id=new_order(loan, "late-lost").pk)
    at_the_gateway(order, "failed")
    orders_poll(older_than=timedelta(0))
    assert status_of(order) == Status.FAILED
    orders_poll(older_than=timedelta(0))  # still failed at the gateway: nothing recorded
    assert order.events.filter(source="poll").count() == 1
    at_the_gateway(order, "succeeded")
    orders_poll(older_than=timedelta(0), recheck_failed_for=timedelta(0))  # not asked
    assert status_of(order) == Status.FAILED
    orders_poll(older_than=timedelta(0))
    assert status_of(order) == Status.SUCCEEDED
    assert_each_success_posted_once()


def test_a_returned_payout_over_the_gateway_cancels_the_loan(rails):
    today = business_date_current()
    loan = make_loan("6000.00", 6, today)
    order = loan_payout_start(loan=loan, business_date=today, actor="staff")
    until(lambda: status_of(order) == Status.SUCCEEDED)
    urllib.request.urlopen(
        urllib.request.Request(
            f"{rails.url}/orders/{order.reference}/return",
            data=b"",
            headers={"Gateway-Signature": signature_header(body=b"", secrets=[SECRET])},
            method="POST",
        ),
        timeout=5,
    ).read()
    until(lambda: status_of(order) == Status.REVERSED)
    assert Loan.objects.get(pk=loan.pk).status == Loan.Status.CANCELLED
    assert_books_consistent()


def test_an_order_the_gateway_never_got_expires_after_the_configured_time(rails, loan, settings):
    """The expiry is data (`PAYMENTS_UNKNOWN_ORDER_EXPIRY_MINUTES`), and the poller asks the
    gateway first: an order it knows, or a gateway that does not answer, expires nothing."""
    settings.PAYMENTS_UNKNOWN_ORDER_EXPIRY_MINUTES = 90
    never_sent, known, young = (new_order(loan, key) for key in ("never", "known", "young"))
    rails.control(lost_rate=1)
    order_submit(order_id=known.pk)
    at_the_gateway(known, "succeeded")
    two_hours_ago = timezone.now() - timedelta(hours=2)
    PaymentOrder.objects.filter(pk__in=[never_sent.pk, known.pk]).update(
        created_at=two_hours_ago, updated_at=two_hours_ago
    )
    PaymentOrder.objects.filter(pk=young.pk).update(updated_at=two_hours_ago)
    settings.PAYMENTS_GATEWAY_URL = "http://127.0.0.1:9"  # nothing answers: nothing expires
    gateways_forget()
    orders_poll(older_than=timedelta(0))
    assert status_of(never_sent) == Status.CREATED
    settings.PAYMENTS_GATEWAY_URL = rails.url
    gateways_forget()
    orders_poll(older_than=timedelta(0))
    assert status_of(never_sent) == Status.EXPIRED
    assert status_of(known) == Status.SUCCEEDED  # the gateway knew it: its result, not expiry
    assert status_of(young) in (Status.SUBMITTED, Status.SUCCEEDED)  # younger: sent again
    settings.PAYMENTS_UNKNOWN_ORDER_EXPIRY_MINUTES = 180
    later = new_order(loan, "later")
    PaymentOrder.objects.filter(pk=later.pk).update(
        created_at=two_hours_ago, updated_at=two_hours_ago
    )
    rails.control(latency_ms=0)
    orders_poll(older_than=timedelta(0))
    assert status_of(later) != Status.EXPIRED
    assert_each_success_posted_once()
