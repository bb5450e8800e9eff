"""The close as a whole: the run table, idempotency, crash and resume, shared chunks."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from ledger.selectors import trial_balance
from ledger.services import business_date_current
from loans.eod import (
    CloseError,
    close_chunk_run,
    close_day_run,
    close_run_open,
    close_step_finish,
    close_step_names,
)
from loans.eod import steps as eod_steps
from loans.eod.common import Chunk
from loans.models import CloseRun, CloseStepRun, PortfolioSnapshot
from loans.models.eod import RunStatus
from loans.tasks import close_business_day
from tests.eod.books import books_picture
from tests.eod.helpers import close, d, make_loan, make_product

CHUNK = 2


def portfolio():
    """Seven loans in every state the close treats differently, in several chunks of two."""
    product = make_product()
    return [
        make_loan(product=product),  # new
        make_loan(product=product, start=d("2025-12-01")),  # due today
        make_loan(product=product, start=d("2025-11-10")),  # past due
        make_loan(product=product, start=d("2025-09-04"), grace_days=2),  # near non-accrual
        make_loan(product=product, start=d("2025-06-06")),  # near charge-off
        make_loan(
            product=product,
            start=d("2025-12-15"),
            method="flat_fee",
            annual_rate="0",
            fee_rate="0.006",
        ),
        make_loan(
            product=product,
            principal="1000.00",
            annual_rate="0.20",
            term=1,
            penalty_rate="0.60",
            start=d("2025-11-20"),
        ),  # at the penalty cap
    ]


def run_days(days: int, **kwargs) -> None:
    for _ in range(days):
        close_day_run(chunk_size=CHUNK, **kwargs)


@pytest.mark.django_db
def test_a_close_records_its_run_steps_and_chunks():
    portfolio()
    today = business_date_current()
    run = close_day_run(chunk_size=CHUNK)
    assert (run.business_date, run.status, run.current_step) == (today, "done", "done")
    assert run.open_loans == 7
    assert len(run.chunk_bounds) == 4
    rows = CloseStepRun.objects.filter(run=run)
    # chunked steps (buyback and auto-debit among them) × chunks; credit lines, snapshot, month
    # end, journal, advance, reports
    assert rows.count() == 11 * 4 + 6
    assert set(rows.values_list("status", flat=True)) == {"done"}
    assert all(row.duration_ms is not None and row.attempts == 1 for row in rows)
    assert list(rows.filter(chunk=0).order_by("position").values_list("step", flat=True)) == list(
        close_step_names()
    )
    assert business_date_current() == d("2026-01-02")
    assert PortfolioSnapshot.objects.filter(business_date=today).exists()
    assert trial_balance().balanced


@pytest.mark.django_db
def test_a_date_other_than_the_business_date_cannot_be_closed():
    with pytest.raises(CloseError):
        close_run_open(business_date=d("2026-03-01"))


@pytest.mark.django_db
def test_closing_twice_books_nothing_twice():
    portfolio()
    run_days(3)
    once = books_picture()
    # The same dates again: their runs are done, nothing happens.
    for day in ("2026-01-01", "2026-01-02", "2026-01-03"):
        close_day_run(business_date=d(day))
    # Every chunked step run again over the last date, outside the run table.
    last = d("2026-01-03")
    for step in eod_steps.close_steps():
        if step.chunked:
            step.run(Chunk(last))
    assert books_picture() == once


@pytest.mark.django_db
def test_a_crashed_close_resumes_to_the_same_books(monkeypatch):
    portfolio()
    run_days(2)
    # Given the books an uninterrupted close of 3 January makes
    savepoint = transaction.savepoint()
    run_days(1)
    uninterrupted = books_picture()
    transaction.savepoint_rollback(savepoint)
    assert business_date_current() == d("2026-01-03")

    # When the penalty step crashes in its second chunk (of three), after doing its work
    real = eod_steps.BY_NAME["penalties"]

    def crash(chunk):
        result = real.run(chunk)
        bounds = CloseRun.objects.get(business_date=chunk.business_date).chunk_bounds
        if [chunk.first, chunk.last] == bounds[1]:
            raise RuntimeError("worker lost")
        return result

    monkeypatch.setitem(eod_steps.BY_NAME, "penalties", eod_steps.Step("penalties", crash))
    with pytest.raises(RuntimeError):
        run_days(1)
    run = CloseRun.objects.get(business_date=d("2026-01-03"))
    assert (run.status, run.current_step) == ("failed", "penalties")
    assert "worker lost" in run.last_error
    chunks = dict(
        CloseStepRun.objects.filter(run=run, step="penalties").values_list("chunk", "status")
    )
    assert chunks == {0: "done", 1: "failed", 2: "pending"}
    assert business_date_current() == d("2026-01-03")

    # Then the close run again finishes it, and the books are those of the uninterrupted run
    monkeypatch.undo()
    run = close_day_run()
    assert run.status == "done"
    failed = CloseStepRun.objects.get(run=run, step="penalties", chunk=1)
    assert (failed.status, failed.attempts) == ("done", 2)
    assert books_picture() == uninterrupted


@pytest.mark.django_db
def test_the_task_closes_the_business_date_eagerly():
    make_loan()
    assert close_business_day.delay().get() == "2026-01-01"
    assert CloseRun.objects.get(business_date=d("2026-01-01")).status == RunStatus.DONE
    assert business_date_current() == d("2026-01-02")


@pytest.mark.django_db
def test_close_day_command_prints_its_progress(capsys):
    make_loan()
    call_command("close_day", "--days", "2")
    out = capsys.readouterr().out
    assert "Closing 2026-01-01" in out and "Closing 2026-01-02" in out
    assert "step 15/17 advance" in out  # month-end capture and journal months are steps too
    assert "step 17/17 reports" in out
    assert "business date now 2026-01-03" in out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_given_the_same_chunk_do_it_once():
    from ledger.models import JournalEntry

    make_loan()
    close()  # 1 January: nothing to accrue on the start date
    run = close_run_open()
    # the steps before the accrual (floating-rate resets) done first
    close_chunk_run(business_date=run.business_date, step="rate_resets", chunk=0, worker="w0")
    close_step_finish(business_date=run.business_date, step="rate_resets")
    barrier = threading.Barrier(2)
    errors = []

    def worker(name):
        try:
            barrier.wait()
            close_chunk_run(business_date=run.business_date, step="accrual", chunk=0, worker=name)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    row = CloseStepRun.objects.get(run=run, step="accrual", chunk=0)
    # Both were given it (two attempts); the second waited for the first's lock, found it done.
    assert (row.status, row.attempts) == ("done", 2)
    assert JournalEntry.objects.filter(kind="accrual").count() == 1
    assert close_day_run().status == "done"
    assert JournalEntry.objects.filter(kind="accrual").count() == 1
    assert trial_balance().balanced
