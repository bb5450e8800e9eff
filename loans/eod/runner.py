"""Running a close: open the run of a business date, run a step over a chunk, finish a step.

The same three services drive the close in-process (`close_day_run`, used by `manage.py
close_day`, tests and benchmarks) and on Celery (`loans.tasks`, a chord per step). Each chunk's
work and its `done` mark commit in one transaction, so a crash leaves a chunk either done or not
started, and a re-run skips what is done: a resumed close books exactly what an uninterrupted one
would have. A chunk is locked while it runs, so two workers given the same chunk do it once.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Sum
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEvent
from ledger.services import business_date_current
from loans.events import close_completed
from loans.models import CloseRun, CloseStepRun, Loan
from loans.models.eod import LeaseOutcome, RunStatus

from .common import ACTOR, OPEN, Chunk
from .errors import CloseError, LeaseLost
from .leases import Lease, lease_end, lease_fence, lease_session_guard
from .steps import BY_NAME, DONE, close_step_names, close_steps, step_after

CHUNK_SIZE = 5_000
"""Open loans per chunk: big enough that set-based statements amortize, small enough that a
chunk's transaction stays short and its rows fit comfortably in a worker's memory."""

Progress = Callable[[str, int, int], None]


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _chunk_bounds(chunk_size: int) -> tuple[list[list[int]], int]:
    """Contiguous loan-id ranges, each holding at most `chunk_size` open loans, together
    covering every loan id (loans paid off meanwhile still get their allowance released)."""
    statuses = ", ".join(["%s"] * len(OPEN))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT id, total FROM (
                   SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n, COUNT(*) OVER () AS total
                     FROM loans_loan WHERE status IN ({statuses})) numbered
                 WHERE (n - 1) %% %s = 0 ORDER BY id""",
            [*OPEN, chunk_size],
        )
        found = cursor.fetchall()
    starts = [row[0] for row in found]
    open_loans = found[0][1] if found else 0
    last = Loan.objects.aggregate(last=Max("id"))["last"]
    if last is None:
        return [], 0
    if not starts:
        return [[1, last]], 0
    starts[0] = 1
    bounds = [[first, following - 1] for first, following in zip(starts, starts[1:], strict=False)]
    bounds.append([starts[-1], last])
    return bounds, open_loans


def close_run_open(*, business_date: date | None = None, chunk_size: int = CHUNK_SIZE) -> CloseRun:
    """The close of `business_date` (default: the current business date), opened with its
    chunks and step rows on first call; later calls return it (to resume it)."""
    steps = close_steps()  # refuses a registry that disagrees with settings.CLOSE_STEPS
    current = business_date_current()
    business_date = business_date or current
    existing = CloseRun.objects.filter(business_date=business_date).first()
    if existing is not None:
        if existing.status == RunStatus.FAILED:
            CloseRun.objects.filter(pk=existing.pk).update(status=RunStatus.RUNNING)
            existing.refresh_from_db()
        return existing
    if business_date != current:
        raise CloseError(
            f"The business date is {current}: {business_date} cannot be closed now.",
            business_date=business_date,
        )
    try:
        with transaction.atomic():
            bounds, open_loans = _chunk_bounds(chunk_size)
            run = CloseRun.objects.create(
                business_date=business_date,
                status=RunStatus.RUNNING,
                current_step=steps[0].name,
                chunk_bounds=bounds,
                open_loans=open_loans,
            )
            rows = []
            for position, step in enumerate(steps):
                ranges = bounds if step.chunked else [[None, None]]
                rows += [
                    CloseStepRun(
                        run=run,
                        step=step.name,
                        position=position,
                        chunk=number,
                        first_loan_id=first,
                        last_loan_id=last,
                    )
                    for number, (first, last) in enumerate(ranges)
                ]
            CloseStepRun.objects.bulk_create(rows)
            return run
    except IntegrityError:
        # Another worker opened it at the same moment: use theirs.
        return CloseRun.objects.get(business_date=business_date)


def _fault_hold(step: str) -> None:
    """The drill's fault-injection point (`CLOSE_FAULT_HOLD`): off unless set."""
    if settings.CLOSE_FAULT_HOLD:
        held_step, _, seconds = settings.CLOSE_FAULT_HOLD.partition(":")
        if held_step == step:
            time.sleep(float(seconds))


def close_chunk_run(
    *,
    business_date: date,
    step: str,
    chunk: int,
    worker: str = "",
    mark_running: bool = True,
    lease: Lease | None = None,
) -> CloseStepRun:
    """Run one step over one chunk, once: the work and its `done` mark commit together.

    Under a `lease` (taken by `chunk_lease_take`) the commit is fenced by the lease's token: a
    worker whose lease was taken over has its work rolled back (`LeaseLost`). Without one the
    chunk's row is locked for the work's transaction. With `mark_running` the chunk shows as
    running (and its attempt counted) while it runs, in a statement of its own."""
    rows = CloseStepRun.objects.filter(run__business_date=business_date, step=step, chunk=chunk)
    begun = timezone.now()
    worker = worker or (lease.worker if lease else default_worker())
    if mark_running and lease is None:
        rows.exclude(status=RunStatus.DONE).update(
            status=RunStatus.RUNNING,
            started_at=begun,
            attempts=F("attempts") + 1,
            worker=worker,
        )
    started = time.perf_counter()
    try:
        with transaction.atomic():
            if lease is not None:
                # The take found the chunk open and its step current: only the fence is left
                # to check, at the commit.
                lease_session_guard(lease)
                result = BY_NAME[step].run(
                    Chunk(business_date, lease.first_loan_id, lease.last_loan_id)
                )
                _fault_hold(step)
                return lease_fence(
                    lease,
                    loans=result.loans,
                    entries=result.entries,
                    finished_at=timezone.now(),
                    duration_ms=int((time.perf_counter() - started) * 1000),
                    error=result.problem[:4000],
                )
            row = rows.select_for_update(of=("self",)).select_related("run").get()
            if row.status == RunStatus.DONE:
                return row  # done before, or by another worker while this one waited
            current = row.run.current_step
            names = close_step_names()
            if current == DONE or names.index(step) > names.index(current):
                raise CloseError(
                    f"Step {step} of the {business_date} close is not due (it is at {current})."
                )
            result = BY_NAME[step].run(Chunk(business_date, row.first_loan_id, row.last_loan_id))
            finished = timezone.now()
            duration = int((time.perf_counter() - started) * 1000)
            if not mark_running:
                row.started_at = begun
                row.attempts += 1
                row.worker = worker
            row.status = RunStatus.DONE
            row.loans = result.loans
            row.entries = result.entries
            row.finished_at = finished
            row.duration_ms = duration
            row.error = result.problem[:4000]
            row.save(
                update_fields=[
                    "status",
                    "loans",
                    "entries",
                    "started_at",
                    "attempts",
                    "worker",
                    "finished_at",
                    "duration_ms",
                    "error",
                ]
            )
            return row
    except LeaseLost as exc:
        lease_end(lease, outcome=LeaseOutcome.FENCED, error=str(exc))
        raise
    except Exception as exc:
        message = f"{type(exc).__name__}: {exc}"[:4000]
        if lease is not None:
            if not lease_end(lease, outcome=LeaseOutcome.FAILED, error=message):
                raise LeaseLost(
                    f"{lease.worker} lost its lease on the chunk, which failed: {message}",
                    worker=lease.worker,
                ) from exc
            CloseRun.objects.filter(business_date=business_date).update(
                status=RunStatus.FAILED, last_error=f"{step} #{chunk}: {message}"
            )
            raise
        with transaction.atomic():
            rows.exclude(status=RunStatus.DONE).update(
                status=RunStatus.FAILED,
                error=message,
                started_at=begun,
                finished_at=timezone.now(),
                attempts=F("attempts") + (0 if mark_running else 1),
                worker=worker,
            )
            CloseRun.objects.filter(business_date=business_date).update(
                status=RunStatus.FAILED, last_error=f"{step} #{chunk}: {message}"
            )
        raise


def close_step_finish(*, business_date: date, step: str) -> str | None:
    """Move the run past `step` once all its chunks are done, and record the step in the audit
    trail (one row per step: what it did over the whole portfolio); return the next step, or
    None when the close is complete or another caller already moved it on."""
    following = step_after(step)
    # The move and its audit row are one statement (atomic by itself) but for the last step,
    # whose completion event joins them.
    with transaction.atomic() if following == DONE else nullcontext():
        moved = _step_move(business_date, step, following)
        if moved is not None and following == DONE:
            close_completed(moved)
    if moved is None:
        if CloseRun.objects.filter(business_date=business_date, current_step=step).exists():
            raise CloseError(f"Chunks of step {step} of the {business_date} close are not done.")
        return None
    return None if following == DONE else following


_STEP_MOVE = f"""
WITH moved AS (
    UPDATE loans_closerun r
       SET current_step = %(following)s,
           status = CASE WHEN %(complete)s THEN 'done' ELSE r.status END,
           finished_at = CASE WHEN %(complete)s THEN %(now)s ELSE r.finished_at END,
           last_error = CASE WHEN %(complete)s THEN '' ELSE r.last_error END
     WHERE r.business_date = %(day)s AND r.current_step = %(step)s
       AND NOT EXISTS (SELECT 1 FROM loans_closesteprun s
                        WHERE s.run_id = r.id AND s.step = %(step)s AND s.status <> 'done')
 RETURNING r.id, r.status
), totals AS (
    SELECT m.id, m.status, COUNT(s.id) AS chunks, COALESCE(SUM(s.loans), 0) AS loans,
           COALESCE(SUM(s.entries), 0) AS entries, COALESCE(SUM(s.duration_ms), 0) AS ms
      FROM moved m JOIN loans_closesteprun s ON s.run_id = m.id AND s.step = %(step)s
     GROUP BY m.id, m.status
), audited AS (
    INSERT INTO {AuditEvent._meta.db_table}
           (actor_id, actor_username, action, object_type, object_id, object_repr, after,
            reason, source, business_date, created_at)
    SELECT NULL, %(actor)s, 'close.step', %(object_type)s, t.id::text,
           %(repr)s || t.status || ')',
           jsonb_build_object('step', %(step)s, 'chunks', t.chunks, 'loans', t.loans,
                              'entries', t.entries, 'duration_ms', t.ms),
           '', 'close', %(day)s, %(now)s
      FROM totals t
)
SELECT id, status FROM totals
"""


def _step_move(business_date: date, step: str, following: str) -> CloseRun | None:
    """Move the run on (when every chunk of `step` is done) and record the step in the audit
    trail with what it did: one statement on PostgreSQL."""
    complete = following == DONE
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _STEP_MOVE,
                {
                    "following": following,
                    "complete": complete,
                    "now": timezone.now(),
                    "day": business_date,
                    "step": step,
                    "actor": ACTOR,
                    "object_type": CloseRun._meta.label_lower,
                    "repr": f"close {business_date} (",
                },
            )
            found = cursor.fetchone()
        if found is None:
            return None
        run_id, status = found
        return CloseRun(pk=run_id, business_date=business_date, status=status)
    with transaction.atomic():
        return _step_move_portably(business_date, step, following)


def _step_move_portably(business_date: date, step: str, following: str) -> CloseRun | None:
    complete = following == DONE
    unfinished = CloseStepRun.objects.filter(run=OuterRef("pk"), step=step).exclude(
        status=RunStatus.DONE
    )
    changes: dict = {"current_step": following}
    if complete:
        changes.update(status=RunStatus.DONE, finished_at=timezone.now(), last_error="")
    moved = (
        CloseRun.objects.filter(business_date=business_date, current_step=step)
        .exclude(Exists(unfinished))
        .update(**changes)
    )
    if not moved:
        return None
    run = CloseRun.objects.get(business_date=business_date)
    totals = CloseStepRun.objects.filter(run=run, step=step).aggregate(
        chunks=Count("id"), loans=Sum("loans"), entries=Sum("entries"), ms=Sum("duration_ms")
    )
    chunks, loans, entries, ms = (totals[key] or 0 for key in ("chunks", "loans", "entries", "ms"))
    audit_record(
        actor=ACTOR,
        action="close.step",
        target=run,
        after={
            "step": step,
            "chunks": chunks,
            "loans": loans,
            "entries": entries,
            "duration_ms": ms,
        },
        source="close",
        business_date=business_date,
    )
    return run
