"""Chunk leases: how workers on several hosts share a close without trusting each other.

A worker takes a chunk by writing its own token and an expiry (the database's clock, not the
worker's) on the chunk's row, in a short transaction of its own, and only if nobody holds a live
lease on it. While the chunk runs, a heartbeat thread on its own connection pushes the expiry on.
A worker that dies or is cut off stops beating; once its lease expires any worker may take the
chunk. The chunk's work commits only together with an UPDATE that still finds the worker's token
on the row (the fence): a late worker whose lease was taken over has its whole transaction
rolled back, so a chunk is booked once however many workers ran it.

On PostgreSQL the fence is also enforced on the old holder's session: the work's transaction
names itself after its lease (`application_name`), and the worker that takes an expired lease
over ends that session. A cut-off worker's backend can otherwise keep the chunk's row locks for
as long as TCP retransmits, and the worker that took the chunk over waits on them; a proxy in
between (pgbouncer, or the cluster script's forwarders) hides the silence from the server, so
no server-side timeout alone can be relied on.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Now

from loans.models import CloseLease, CloseStepRun
from loans.models.eod import LeaseOutcome, RunStatus

from .errors import LeaseLost


def lease_seconds() -> int:
    return int(getattr(settings, "CLOSE_LEASE_SECONDS", 30))


def _expiry(seconds: int):
    return Now() + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Lease:
    """A worker's hold on one chunk of one step (and the chunk's loan-id range)."""

    step_run_id: int
    token: str
    worker: str
    seconds: int
    first_loan_id: int | None = None
    last_loan_id: int | None = None


_TAKE = """
WITH taken AS (
    UPDATE loans_closesteprun s
       SET lease_token = %(token)s,
           lease_expires_at = statement_timestamp() + make_interval(secs => %(seconds)s),
           heartbeat_at = statement_timestamp(), status = 'running',
           started_at = statement_timestamp(), attempts = s.attempts + 1,
           worker = %(worker)s, error = ''
      FROM loans_closerun r
     WHERE r.id = s.run_id AND r.business_date = %(day)s AND r.current_step = %(step)s
       AND s.step = %(step)s AND s.chunk = %(chunk)s AND s.status <> 'done'
       AND (s.lease_token = '' OR s.lease_expires_at < statement_timestamp())
 RETURNING s.id, s.first_loan_id, s.last_loan_id
), expired AS (
    UPDATE loans_closelease SET outcome = 'expired', ended_at = statement_timestamp()
     WHERE step_run_id IN (SELECT id FROM taken) AND outcome = 'held'
 RETURNING token
), held AS (
    INSERT INTO loans_closelease
           (step_run_id, worker, token, taken_at, heartbeat_at, heartbeats, outcome, error)
    SELECT id, %(worker)s, %(token)s, statement_timestamp(), statement_timestamp(), 0, 'held', ''
      FROM taken
), ended AS (
    SELECT count(*) FILTER (WHERE pg_terminate_backend(a.pid)) AS sessions
      FROM pg_stat_activity a
     WHERE a.application_name IN (SELECT %(prefix)s || token FROM expired)
)
-- a CTE without a data change runs only if read: the sessions ended are read with the row
SELECT id, first_loan_id, last_loan_id, (SELECT sessions FROM ended) FROM taken
"""
"""The take in one statement. The conditions on the chunk's own row sit in the UPDATE's WHERE:
a worker that waited on another's take re-checks them on the row as committed, and finds it
taken. Its lease row is written beside it, the leases it took over are marked expired, and
their chunk transactions still open anywhere are ended."""

SESSION_PREFIX = "close-lease:"
"""A leased chunk's transaction runs as `application_name` SESSION_PREFIX + its token."""


def chunk_lease_take(
    *, business_date: date, step: str, chunk: int, worker: str, seconds: int | None = None
) -> Lease | None:
    """Take the chunk unless it is done, its step is not the close's current one, or another
    worker's lease on it is still alive."""
    seconds = seconds or lease_seconds()
    token = uuid.uuid4().hex
    if connection.vendor == "postgresql":
        # One statement: atomic by itself, no transaction around it (two round trips fewer).
        with connection.cursor() as cursor:
            cursor.execute(
                _TAKE,
                {
                    "token": token,
                    "seconds": seconds,
                    "worker": worker,
                    "day": business_date,
                    "step": step,
                    "chunk": chunk,
                    "prefix": SESSION_PREFIX,
                },
            )
            row = cursor.fetchone()
        return Lease(row[0], token, worker, seconds, row[1], row[2]) if row else None
    return _take_portably(business_date, step, chunk, worker, seconds, token)


def _take_portably(
    business_date: date, step: str, chunk: int, worker: str, seconds: int, token: str
) -> Lease | None:
    found = (
        CloseStepRun.objects.filter(
            run__business_date=business_date, run__current_step=step, step=step, chunk=chunk
        )
        .values_list("pk", "first_loan_id", "last_loan_id")
        .first()
    )
    if found is None:
        return None
    row_id, first, last = found
    with transaction.atomic():
        taken = (
            CloseStepRun.objects.filter(pk=row_id)
            .exclude(status=RunStatus.DONE)
            .filter(Q(lease_token="") | Q(lease_expires_at__lt=Now()))
            .update(
                lease_token=token,
                lease_expires_at=_expiry(seconds),
                heartbeat_at=Now(),
                status=RunStatus.RUNNING,
                started_at=Now(),
                attempts=F("attempts") + 1,
                worker=worker,
                error="",
            )
        )
        if not taken:
            return None
        CloseLease.objects.filter(step_run_id=row_id, outcome=LeaseOutcome.HELD).update(
            outcome=LeaseOutcome.EXPIRED, ended_at=Now()
        )
        CloseLease.objects.create(
            step_run_id=row_id, worker=worker, token=token, taken_at=Now(), heartbeat_at=Now()
        )
    return Lease(row_id, token, worker, seconds, first, last)


_STEP_RUN_COLUMNS = ", ".join(field.column for field in CloseStepRun._meta.concrete_fields)
_FENCE = f"""
WITH fenced AS (
    UPDATE loans_closesteprun
       SET status = 'done', lease_token = '', lease_expires_at = NULL, loans = %(loans)s,
           entries = %(entries)s, finished_at = %(finished_at)s, duration_ms = %(duration_ms)s,
           error = %(error)s
     WHERE id = %(id)s AND lease_token = %(token)s AND status <> 'done'
 RETURNING {_STEP_RUN_COLUMNS}
), ended AS (
    UPDATE loans_closelease SET outcome = 'done', ended_at = statement_timestamp()
     WHERE token = %(token)s AND EXISTS (SELECT 1 FROM fenced)
)
SELECT * FROM fenced
"""


def lease_fence(lease: Lease, **done) -> CloseStepRun:
    """Inside the chunk's transaction: mark it done only if this lease still holds it (and
    return the row as marked), else raise `LeaseLost` so that the whole transaction, the
    chunk's work included, rolls back."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_FENCE, {"id": lease.step_run_id, "token": lease.token, **done})
            found = cursor.fetchone()
        row = CloseStepRun.from_db(connection.alias, None, found) if found else None
    else:
        updated = (
            CloseStepRun.objects.filter(pk=lease.step_run_id, lease_token=lease.token)
            .exclude(status=RunStatus.DONE)
            .update(status=RunStatus.DONE, lease_token="", lease_expires_at=None, **done)
        )
        row = CloseStepRun.objects.get(pk=lease.step_run_id) if updated else None
        if row is not None:
            CloseLease.objects.filter(token=lease.token).update(
                outcome=LeaseOutcome.DONE, ended_at=Now()
            )
    if row is None:
        raise LeaseLost(
            f"{lease.worker} lost its lease on the chunk: another worker took it over.",
            worker=lease.worker,
        )
    return row


def lease_end(lease: Lease, *, outcome: str, error: str = "") -> bool:
    """Record how a lease ended outside its chunk's transaction; a failure also frees the chunk
    (marked failed) when this lease still holds it, and returns True. A failure after another
    worker took the chunk over (its session ended by the take, say) is recorded as fenced."""
    with transaction.atomic():
        held = (
            CloseStepRun.objects.filter(pk=lease.step_run_id, lease_token=lease.token)
            .exclude(status=RunStatus.DONE)
            .update(
                status=RunStatus.FAILED,
                lease_token="",
                lease_expires_at=None,
                error=error[:4000],
                finished_at=Now(),
            )
            if outcome == LeaseOutcome.FAILED
            else 0
        )
        if outcome == LeaseOutcome.FAILED and not held:
            outcome = LeaseOutcome.FENCED
        CloseLease.objects.filter(
            token=lease.token, outcome__in=(LeaseOutcome.HELD, LeaseOutcome.EXPIRED)
        ).update(outcome=outcome, ended_at=Now(), error=error[:4000])
    return bool(held)


def lease_session_guard(lease: Lease) -> None:
    """Inside the chunk's transaction on PostgreSQL: name the session after the lease, so the
    worker that takes the lease over can end it (see the module's note), and have the server
    end it by itself should this worker fall silent mid-chunk: waiting for the next statement
    (``idle_in_transaction_session_timeout``) or sending a result nobody acknowledges
    (``tcp_user_timeout``), when the worker's connection reaches the server directly."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            limit_ms = str(int(lease.seconds * 1000))
            cursor.execute(
                "SELECT set_config('idle_in_transaction_session_timeout', %s, true),"
                " set_config('tcp_user_timeout', %s, true),"
                " set_config('application_name', %s, true)",
                [limit_ms, limit_ms, SESSION_PREFIX + lease.token],
            )


def _beat(lease: Lease) -> bool:
    kept = CloseStepRun.objects.filter(pk=lease.step_run_id, lease_token=lease.token).update(
        lease_expires_at=_expiry(lease.seconds), heartbeat_at=Now()
    )
    if kept:
        CloseLease.objects.filter(token=lease.token).update(
            heartbeat_at=Now(), heartbeats=F("heartbeats") + 1
        )
    return bool(kept)


@contextmanager
def lease_heartbeat(lease: Lease) -> Iterator[threading.Event]:
    """Keep the lease alive while the block runs; the event is set if it was lost. Inside an
    outer transaction (tests) the lease row is not visible to another connection, so there is
    nothing to beat and no thread is started."""
    lost = threading.Event()
    if connection.in_atomic_block:
        yield lost
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(lease.seconds / 3):
                try:
                    if not _beat(lease):
                        lost.set()
                        return
                except DatabaseError:
                    connections.close_all()  # cut off: try again on a new connection
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"lease-{lease.token[:8]}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join()
