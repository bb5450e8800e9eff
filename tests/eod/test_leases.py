"""Chunk leases: a live lease keeps a chunk, an expired one is taken over, a late worker's commit
is fenced off, heartbeats keep a lease alive, and workers sharing a close book it once."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.functions import Now

from ledger.models import JournalEntry
from ledger.selectors import trial_balance
from loans.eod import (
    LeaseLost,
    close_chunk_run,
    close_day_run,
    close_run_open,
    close_step_finish,
    close_step_names,
)
from loans.eod.leases import chunk_lease_take, lease_heartbeat, lease_session_guard
from loans.eod.workers import close_work
from loans.models import CloseLease, CloseRun, CloseStepRun
from tests.eod.helpers import close, d, make_loan, make_product


def _accrual_ready():
    """A loan, and the close of 2 January opened and moved on to its accrual step."""
    make_loan()
    close()  # 1 January: the loan's start date, nothing accrues
    run = close_run_open()
    names = close_step_names()
    for step in names[: names.index("accrual")]:
        for row in CloseStepRun.objects.filter(run=run, step=step):
            close_chunk_run(business_date=run.business_date, step=step, chunk=row.chunk)
        close_step_finish(business_date=run.business_date, step=step)
    return run


def _expire(lease) -> None:
    CloseStepRun.objects.filter(pk=lease.step_run_id).update(
        lease_expires_at=Now() - timedelta(seconds=1)
    )


@pytest.mark.django_db
def test_a_live_lease_keeps_the_chunk_from_other_workers():
    run = _accrual_ready()
    first = chunk_lease_take(business_date=run.business_date, step="accrual", chunk=0, worker="a")
    assert first is not None
    second = chunk_lease_take(business_date=run.business_date, step="accrual", chunk=0, worker="b")
    assert second is None
    row = CloseStepRun.objects.get(pk=first.step_run_id)
    assert (row.status, row.worker, row.lease_token) == ("running", "a", first.token)


@pytest.mark.django_db
def test_a_late_worker_whose_lease_was_taken_over_cannot_commit():
    run = _accrual_ready()
    day = run.business_date
    late = chunk_lease_take(business_date=day, step="accrual", chunk=0, worker="late")
    _expire(late)
    taker = chunk_lease_take(business_date=day, step="accrual", chunk=0, worker="taker")
    assert taker is not None and taker.token != late.token

    with pytest.raises(LeaseLost):
        close_chunk_run(business_date=day, step="accrual", chunk=0, lease=late)
    assert not JournalEntry.objects.filter(kind="accrual").exists()  # its work rolled back
    assert CloseLease.objects.get(token=late.token).outcome == "fenced"

    row = close_chunk_run(business_date=day, step="accrual", chunk=0, lease=taker)
    assert (row.status, row.worker, row.lease_token, row.attempts) == ("done", "taker", "", 2)
    assert JournalEntry.objects.filter(kind="accrual").count() == 1
    assert CloseLease.objects.get(token=taker.token).outcome == "done"
    # A done chunk is taken by nobody.
    assert chunk_lease_take(business_date=day, step="accrual", chunk=0, worker="x") is None


@pytest.mark.django_db
def test_a_failing_chunk_frees_its_lease_and_fails_the_run(monkeypatch):
    from loans.eod import steps as eod_steps

    run = _accrual_ready()
    day = run.business_date

    def broken(chunk):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(eod_steps.BY_NAME, "accrual", eod_steps.Step("accrual", broken))
    lease = chunk_lease_take(business_date=day, step="accrual", chunk=0, worker="a")
    with pytest.raises(RuntimeError):
        close_chunk_run(business_date=day, step="accrual", chunk=0, lease=lease)
    row = CloseStepRun.objects.get(pk=lease.step_run_id)
    assert (row.status, row.lease_token) == ("failed", "")
    assert CloseRun.objects.get(business_date=day).status == "failed"
    assert CloseLease.objects.get(token=lease.token).outcome == "failed"
    monkeypatch.undo()
    assert close_day_run().status == "done"  # resumed


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_heartbeats_keep_a_lease_alive_past_its_length():
    run = _accrual_ready()
    lease = chunk_lease_take(
        business_date=run.business_date, step="accrual", chunk=0, worker="slow", seconds=1
    )
    with lease_heartbeat(lease) as lost:
        time.sleep(2.5)
        assert (
            chunk_lease_take(
                business_date=run.business_date, step="accrual", chunk=0, worker="thief"
            )
            is None
        )
    assert not lost.is_set()
    assert CloseLease.objects.get(token=lease.token).heartbeats >= 3
    time.sleep(1.2)  # no more beats: the lease runs out
    assert chunk_lease_take(
        business_date=run.business_date, step="accrual", chunk=0, worker="thief"
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_workers_share_a_close_and_book_it_as_one_would():
    product = make_product()
    loans = [
        make_loan(product=product, start=d(start)).pk
        for start in ("2025-12-01", "2025-11-10", "2025-09-04", "2025-06-06", "2025-12-15")
    ]
    close_day_run(chunk_size=1)
    day = close_run_open(chunk_size=1).business_date
    errors = []

    def worker(name):
        try:
            close_work(business_date=day, worker=name, poll=0.01)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    run = CloseRun.objects.get(business_date=day)
    assert (run.status, run.current_step) == ("done", "done")
    rows = CloseStepRun.objects.filter(run=run)
    assert all(row.attempts == 1 and row.status == "done" for row in rows)
    assert len(set(rows.values_list("worker", flat=True))) >= 2
    # Each loan accrued once for the day; the cluster test compares whole books with a
    # single-process close of the same portfolio (tests/cluster).
    accruals = JournalEntry.objects.filter(kind="accrual", business_date=day)
    assert accruals.count() == 5
    assert set(accruals.values_list("lines__loan_id", flat=True)) == set(loans)
    assert trial_balance().balanced


@pytest.mark.django_db
def test_the_run_page_shows_each_worker_with_its_chunks_and_lost_leases(client, django_user_model):
    from django.urls import reverse

    run = _accrual_ready()
    lost = chunk_lease_take(business_date=run.business_date, step="accrual", chunk=0, worker="h1")
    _expire(lost)
    close_day_run(worker="h2")
    assert CloseLease.objects.get(token=lost.token).outcome == "expired"
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    page = client.get(reverse("admin:loans_closerun_change", args=[run.pk])).content.decode()
    workers = page[page.index("chunks done") :]
    # h1: nothing done, one lease expired; h2: every chunk of the close.
    assert "<td>h1</td><td>0</td><td>0</td><td>1</td>" in workers
    done = CloseStepRun.objects.filter(run=run, worker="h2").count()
    assert done == CloseStepRun.objects.filter(run=run, position__gte=1).count()  # all but resets
    assert f"<td>h2</td><td>{done}</td><td>0</td><td>0</td>" in workers
    assert client.get(reverse("admin:loans_closelease_changelist")).status_code == 200


@pytest.mark.django_db
def test_a_leased_chunks_session_ends_itself_if_its_worker_falls_silent_idle_or_sending():
    run = _accrual_ready()
    lease = chunk_lease_take(business_date=run.business_date, step="accrual", chunk=0, worker="a")
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_addr() IS NOT NULL")
        over_tcp = cursor.fetchone()[0]
        lease_session_guard(lease)
        cursor.execute(  # both in milliseconds
            "SELECT name, setting::int FROM pg_settings"
            " WHERE name IN ('idle_in_transaction_session_timeout', 'tcp_user_timeout')"
        )
        limits = dict(cursor.fetchall())
    limit_ms = int(lease.seconds * 1000)
    assert limits["idle_in_transaction_session_timeout"] == limit_ms
    # Off a TCP connection the server reports 0 whatever is set: the kernel has nothing to time.
    assert limits["tcp_user_timeout"] == (limit_ms if over_tcp else 0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_taking_a_lease_over_ends_the_old_holders_chunk_transaction_and_frees_its_locks(settings):
    """A cut-off worker's backend can hold its chunk's row locks long after its lease ran out
    (behind a proxy the server never sees the silence): the take ends that session, the taker
    runs the chunk at once, and the old holder, when it wakes, finds itself fenced."""
    from loans.eod.leases import SESSION_PREFIX

    run = _accrual_ready()
    day = run.business_date
    settings.CLOSE_FAULT_HOLD = "accrual:4"  # the old holder sits on its locks, silent
    late = chunk_lease_take(business_date=day, step="accrual", chunk=0, worker="late")
    outcome = []

    def late_worker():
        try:
            close_chunk_run(business_date=day, step="accrual", chunk=0, lease=late)
            outcome.append("committed")
        except LeaseLost:
            outcome.append("fenced")
        finally:
            connection.close()

    thread = threading.Thread(target=late_worker)
    thread.start()
    with connection.cursor() as cursor:

        def session_open() -> bool:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                [SESSION_PREFIX + late.token],
            )
            return cursor.fetchone()[0] == 1

        deadline = time.monotonic() + 10
        while not session_open() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert session_open(), "the late worker's chunk transaction never named itself"
        _expire(late)
        settings.CLOSE_FAULT_HOLD = ""
        taker = chunk_lease_take(business_date=day, step="accrual", chunk=0, worker="taker")
        assert taker is not None
        taken_at = time.monotonic()
        row = close_chunk_run(business_date=day, step="accrual", chunk=0, lease=taker)
        assert row.status == "done"
        # It did not wait for the late worker's hold to end: that session was ended by the take.
        assert time.monotonic() - taken_at < 2.5
        assert not session_open()
    thread.join(timeout=30)
    assert outcome == ["fenced"]
    assert CloseLease.objects.get(token=late.token).outcome == "fenced"
    assert CloseRun.objects.get(business_date=day).status != "failed"
    assert JournalEntry.objects.filter(kind="accrual", business_date=day).count() == 1
    assert trial_balance().balanced
