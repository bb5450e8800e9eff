"""One close on a real Celery worker, RabbitMQ as the broker. Skipped only when RabbitMQ is not
reachable on this machine."""

import os
import socket
import time

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from kombu import Queue

from ledger.models import JournalEntry
from ledger.services import business_date_current
from loans.models import CloseRun, CloseStepRun, PortfolioSnapshot
from tests.eod.helpers import close, d, make_loan

BROKER = os.environ.get("EOD_TEST_BROKER", "amqp://guest:guest@127.0.0.1:5672//")
# A queue of its own: other suites' workers on the same broker must not take these tasks.
QUEUE = f"eod-e2e-{socket.gethostname()}-{os.getpid()}"


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _reachable(5672), reason="needs RabbitMQ on 127.0.0.1:5672")


@pytest.fixture
def celery_app():
    from config.celery_app import app as project_app

    app = Celery("eod-e2e")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=BROKER,
        task_always_eager=False,
        task_default_queue=QUEUE,
        task_queues=[Queue(QUEUE, auto_delete=True)],  # gone when the test worker stops
        worker_hijack_root_logger=False,
        broker_heartbeat=0,  # else stopping the worker waits on the heartbeat thread
    )
    app.set_current()
    app.set_default()
    try:
        yield app
    finally:
        project_app.set_current()
        project_app.set_default()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_runs_a_whole_close_chunk_by_chunk_under_leases(celery_app):
    from loans.tasks import close_business_day

    make_loan()
    make_loan(start=d("2025-11-10"))
    close()  # 1 January, in-process
    today = business_date_current()
    with start_worker(celery_app, perform_ping_check=False, queues=[QUEUE], shutdown_timeout=30):
        close_business_day.delay()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run = CloseRun.objects.filter(business_date=today).first()
            if run is not None and run.status in ("done", "failed"):
                break
            time.sleep(0.2)
    run = CloseRun.objects.get(business_date=today)
    assert (run.status, run.current_step) == ("done", "done"), run.last_error
    workers = set(CloseStepRun.objects.filter(run=run).values_list("worker", flat=True))
    assert len(workers) == 1 and "" not in workers  # the worker's name, on every chunk
    assert business_date_current() == d("2026-01-03")
    assert JournalEntry.objects.filter(kind="accrual", business_date=today).count() == 2
    assert PortfolioSnapshot.objects.filter(business_date=today).exists()
