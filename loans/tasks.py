"""Celery tasks of the loans app: the end-of-day close, fanned out as one chord per step.

`close_business_day` (started by beat: the "End-of-day close" periodic task, editable in the
admin) opens the run of the business date and starts its first unfinished step: a group of
`close_chunk` tasks, one per chunk of loan ids, whose chord callback `close_step_done` moves the
run on and starts the next step. Tasks take dates and numbers only, are idempotent (a chunk done
is skipped; two workers on one chunk do it once) and acknowledged late, so a worker killed
mid-chunk has its chunk redelivered; calling `close_business_day` again resumes a stalled close.
Chords need a result backend (`CELERY_RESULT_BACKEND`, e.g. redis://127.0.0.1:6379/1).

Moving a step on is one conditional UPDATE of the run (`close_step_finish`), so whoever makes it
starts the next step and everyone else finds it done. Besides the chord callback, a chunk that
finds itself the step's last one moves it on too: a redelivered chunk counted twice by the
chord, or a lost callback, never stalls the close.
"""

from __future__ import annotations

from datetime import date

from celery import chord, shared_task
from celery.backends.base import DisabledBackend
from django.db import OperationalError

from loans.eod import (
    CloseError,
    close_chunk_run,
    close_pending_chunks,
    close_run_open,
    close_step_finish,
)
from loans.eod.steps import DONE


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def close_step_dispatch(business_date: date, step: str) -> None:
    """Start a step: its unfinished chunks as a group, `close_step_done` as the chord body."""
    app = close_chunk.app
    if not app.conf.task_always_eager and isinstance(app.backend, DisabledBackend):
        raise CloseError(
            "The close fans out as chords, which need a result backend: set "
            "CELERY_RESULT_BACKEND (e.g. redis://127.0.0.1:6379/1)."
        )
    done = close_step_done.si(business_date.isoformat(), step)
    chunks = close_pending_chunks(business_date=business_date, step=step)
    if not chunks:
        done.apply_async()
        return
    chord(close_chunk.si(business_date.isoformat(), step, chunk) for chunk in chunks)(done)


@shared_task(acks_late=True)
def close_business_day(business_date: str | None = None) -> str:
    """Close `business_date` (ISO; default: the current business date), or resume its close."""
    run = close_run_open(business_date=_date(business_date))
    if run.current_step != DONE:
        close_step_dispatch(run.business_date, run.current_step)
    return run.business_date.isoformat()


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def close_chunk(self, business_date: str, step: str, chunk: int) -> dict:
    day = date.fromisoformat(business_date)
    row = close_chunk_run(
        business_date=day, step=step, chunk=chunk, worker=self.request.hostname or ""
    )
    if not close_pending_chunks(business_date=day, step=step):
        _step_move_on(day, step)
    return {"step": step, "chunk": chunk, "loans": row.loans, "entries": row.entries}


@shared_task(acks_late=True)
def close_step_done(business_date: str, step: str) -> str | None:
    return _step_move_on(date.fromisoformat(business_date), step)


def _step_move_on(day: date, step: str) -> str | None:
    try:
        following = close_step_finish(business_date=day, step=step)
    except CloseError:
        # A chunk of the step is still running (dispatched twice): it moves the step on.
        return None
    if following is not None:
        close_step_dispatch(day, following)
    return following
