"""A close worker: take a chunk of the current step under a lease, run it, move the step on
when its last chunk is done, until the close is done. Every worker of a close, on any host, runs
this same loop; nothing is handed out, so a worker that dies only delays its chunk by a lease."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import F, Q
from django.db.models.functions import Now

from loans.models import CloseRun, CloseStepRun
from loans.models.eod import RunStatus

from .errors import CloseError, LeaseLost
from .leases import chunk_lease_take, lease_heartbeat, lease_seconds
from .runner import (
    CHUNK_SIZE,
    Progress,
    close_chunk_run,
    close_run_open,
    close_step_finish,
    default_worker,
)
from .steps import DONE

POLL_SECONDS = 0.2


@dataclass
class WorkDone:
    """What one worker did for a close."""

    business_date: date
    worker: str
    chunks: int = 0
    fenced: int = 0


def close_work(
    *,
    business_date: date,
    worker: str = "",
    progress: Callable[[str, int, int], None] | None = None,
    seconds: int | None = None,
    poll: float = POLL_SECONDS,
) -> WorkDone:
    """Work the close of `business_date` until it is done; raise `CloseError` if it failed."""
    worker = worker or default_worker()
    seconds = seconds or lease_seconds()
    done = WorkDone(business_date, worker)
    while True:
        open_chunks = list(
            CloseStepRun.objects.filter(
                run__business_date=business_date, step=F("run__current_step")
            )
            .exclude(status=RunStatus.DONE)
            .annotate(free=Q(lease_token="") | Q(lease_expires_at__lt=Now()))
            .order_by("chunk")
            .values_list("chunk", "free", "run__current_step", "run__status", "run__last_error")
        )
        if open_chunks:
            step, status, last_error = open_chunks[0][2:]
        else:
            run = CloseRun.objects.filter(business_date=business_date).first()
            if run is None:
                raise CloseError(f"No close of {business_date} is open.")
            step, status, last_error = run.current_step, run.status, run.last_error
        if status == RunStatus.FAILED:
            raise CloseError(f"The close of {business_date} failed: {last_error}")
        if step == DONE:
            return done
        if not open_chunks:
            if (
                CloseStepRun.objects.filter(run__business_date=business_date, step=step)
                .exclude(status=RunStatus.DONE)
                .exists()
            ):
                continue  # the step moved on between the two reads: look again
            close_step_finish(business_date=business_date, step=step)
            continue
        lease = None
        for chunk, free, *_ in open_chunks:
            if not free:
                continue
            lease = chunk_lease_take(
                business_date=business_date, step=step, chunk=chunk, worker=worker, seconds=seconds
            )
            if lease is not None:
                break
        if lease is None:
            time.sleep(poll)  # every open chunk is held by a live worker
            continue
        try:
            with lease_heartbeat(lease):
                close_chunk_run(business_date=business_date, step=step, chunk=chunk, lease=lease)
        except LeaseLost:
            done.fenced += 1
            continue
        done.chunks += 1
        if progress is not None:
            chunks = CloseStepRun.objects.filter(run__business_date=business_date, step=step)
            progress(step, chunks.filter(status=RunStatus.DONE).count(), chunks.count())
        if len(open_chunks) == 1:
            # That was the step's last chunk: move the step on without looking again.
            close_step_finish(business_date=business_date, step=step)


def close_day_run(
    *,
    business_date: date | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    worker: str = "",
) -> CloseRun:
    """Run (or resume) a whole close in this process, chunk after chunk, each under a lease
    (so another process working the same close, or a close_day run twice, shares the work)."""
    run = close_run_open(business_date=business_date, chunk_size=chunk_size)
    close_work(business_date=run.business_date, worker=worker, progress=progress)
    return CloseRun.objects.get(pk=run.pk)
