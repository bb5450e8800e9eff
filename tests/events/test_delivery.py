"""Webhooks through a real local receiver process, on a port the OS hands out."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from events.dispatch import deliveries_redrive, dispatch_once
from events.models import Delivery, DeliveryAttempt, Event, Subscription
from events.services import events_record_many
from events.signing import SignatureError, signature_header, signature_verify

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 3, 2)
SECRET = "whsec_test"


def events_write(loans: int, per_loan: int) -> None:
    rows = [
        (f"loan/{loan}", {"loan_id": loan, "days_past_due": step}, None)
        for step in range(per_loan)
        for loan in range(1, loans + 1)
    ]
    with transaction.atomic():
        events_record_many(type="loan.non_accrual", rows=rows, business_date=DAY)


def free_port() -> int:
    """A port nothing listens on now (two suites on one machine never share a receiver)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hook(port: int) -> str:
    return f"http://127.0.0.1:{port}/hook"


def wait_for_port(port: int) -> None:
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture
def receiver(tmp_path):
    started = []

    def start(port: int, chaos: float, seed: int = 1) -> Path:
        """The receiver on `port` (from `free_port`), rejecting a `chaos` share of requests."""
        log = tmp_path / f"received-{port}.jsonl"
        log.touch()
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests/events/receiver.py"), str(port), SECRET, str(log)]
            + [str(chaos), str(seed)]
        )
        started.append(process)
        wait_for_port(port)
        return log

    yield start
    for process in started:
        process.kill()
        process.wait()


def dispatcher(*args: str) -> subprocess.Popen:
    """`manage.py events_dispatch` in its own process, on this test's database."""
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"))
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test")
    env["DATABASE_URL"] = urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))
    return subprocess.Popen(
        [sys.executable, "manage.py", "events_dispatch", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def received(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def assert_in_order_at_least_once(lines: list[dict]) -> None:
    """Every event arrived; per subject, each new event is the next one (repeats allowed)."""
    seen: dict[str, int] = {}
    for line in lines:
        last = seen.get(line["subject"], 0)
        assert line["sequence"] <= last + 1, f"{line} overtook an earlier event"
        seen[line["subject"]] = max(last, line["sequence"])
    assert {str(u) for u in Event.objects.values_list("uuid", flat=True)} == {
        line["id"] for line in lines
    }


@pytest.mark.slow
def test_a_flaky_receiver_gets_every_event_in_order_even_when_the_dispatcher_is_killed(receiver):
    port = free_port()
    log = receiver(port, chaos=0.3, seed=7)
    Subscription.objects.create(name="warehouse", url=hook(port), secret=SECRET, max_attempts=100)
    events_write(loans=40, per_loan=15)
    options = ["--timeout", "0.5", "--base-delay", "0.02", "--batch", "200"]
    first = dispatcher("--until-idle", *options)
    delivered = Delivery.objects.filter(status=Delivery.Status.DELIVERED)
    for _ in range(600):
        if delivered.count() >= 100:
            break
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists()
    dispatcher("--until-idle", "--idle-seconds", "3", *options).wait(timeout=300)

    assert Delivery.objects.count() == Event.objects.count() == 600
    assert not Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists()
    lines = received(log)
    assert not [line for line in lines if "rejected" in line]
    assert_in_order_at_least_once(lines)
    failed = DeliveryAttempt.objects.exclude(status_code__gte=200, status_code__lt=300)
    assert failed.exists() and DeliveryAttempt.objects.count() >= 600


def test_failures_park_a_subject_until_redriven(receiver):
    port = free_port()  # nothing listens there until the receiver starts below
    subscription = Subscription.objects.create(
        name="bank", url=hook(port), secret=SECRET, max_attempts=2
    )
    events_write(loans=2, per_loan=3)
    for _ in range(2):
        dispatch_once(timeout=0.5, base_delay=0)
    dead = Delivery.objects.filter(status=Delivery.Status.DEAD)
    assert sorted(dead.values_list("subject", "sequence")) == [("loan/1", 1), ("loan/2", 1)]
    assert DeliveryAttempt.objects.filter(status_code=None).count() == 4
    dispatch_once(timeout=0.5, base_delay=0)
    assert DeliveryAttempt.objects.count() == 4, "later events wait behind the parked one"

    log = receiver(port, chaos=0)
    assert deliveries_redrive(subscription) == 2
    dispatch_once(timeout=0.5, base_delay=0)
    assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == 6
    assert_in_order_at_least_once(received(log))


def test_the_receiver_detects_a_bad_signature(receiver):
    port = free_port()
    log = receiver(port, chaos=0)
    Subscription.objects.create(name="crm", url=hook(port), secret="someone-elses", max_attempts=1)
    events_write(loans=1, per_loan=1)
    dispatch_once(timeout=0.5, base_delay=0)
    assert received(log) == [{"rejected": "No signature matches."}]
    assert Delivery.objects.get().status == Delivery.Status.DEAD


def test_the_verification_helper():
    body = b'{"id": "1"}'
    now = 1_800_000_000
    header = signature_header(body=body, secrets=["new", "old"], timestamp=now)
    assert signature_verify(body=body, header=header, secrets=["old"], now=now) == now
    assert signature_verify(body=body, header=header, secrets=["new"], now=now + 299) == now
    for bad in (
        dict(body=body + b" ", header=header, secrets=["new"], now=now),
        dict(body=body, header=header, secrets=["other"], now=now),
        dict(body=body, header=header, secrets=["new"], now=now + 301),
        dict(body=body, header="v1=abc", secrets=["new"], now=now),
    ):
        with pytest.raises(SignatureError):
            signature_verify(**bad)


def test_events_replay_sends_history_again_from_a_date(receiver):
    port = free_port()
    log = receiver(port, chaos=0)
    Subscription.objects.create(name="dwh", url=hook(port), secret=SECRET)
    events_write(loans=2, per_loan=2)
    dispatch_once(timeout=0.5, base_delay=0)
    assert len(received(log)) == 4
    out = StringIO()
    call_command("events_replay", "--from", "2026-03-01", "--subscription", "dwh", stdout=out)
    assert "4 events queued again" in out.getvalue()
    dispatch_once(timeout=0.5, base_delay=0)
    lines = received(log)
    assert len(lines) == 8
    assert_in_order_at_least_once(lines)
    with pytest.raises(CommandError):
        call_command("events_replay", "--from", "junk", "--subscription", "dwh")
    with pytest.raises(CommandError):
        call_command("events_replay", "--from", "2026-03-01", "--subscription", "nobody")


def test_the_forever_dispatcher_delivers_events_as_they_come(receiver):
    """What `make run` runs beside the server: started on an empty outbox, it delivers each
    batch written afterwards, without being restarted, until it is stopped."""
    port = free_port()
    log = receiver(port, chaos=0)
    Subscription.objects.create(name="app", url=hook(port), secret=SECRET)
    process = dispatcher("--forever", "--poll-seconds", "0.05", "--timeout", "2")
    try:
        for batch, expected in ((1, 2), (2, 10)):
            time.sleep(0.3)  # the dispatcher is idle, polling
            assert process.poll() is None
            events_write(loans=batch * 2, per_loan=batch)
            for _ in range(300):
                if len(received(log)) >= expected:
                    break
                time.sleep(0.05)
            assert len(received(log)) == expected
        assert_in_order_at_least_once(received(log))
        # The receiver logs an event before its answer reaches the dispatcher, which marks the
        # delivery after it: give the last batch's marks the same time to land.
        undelivered = Delivery.objects.exclude(status=Delivery.Status.DELIVERED)
        for _ in range(300):
            if not undelivered.exists():
                break
            time.sleep(0.05)
        assert not undelivered.exists()
    finally:
        process.terminate()
        process.wait(timeout=30)
