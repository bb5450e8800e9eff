"""Celery tasks of the loans app: the end-of-day close, worked by every worker that takes part.

`close_business_day` (started by beat: the "End-of-day close" periodic task, editable in the
admin) opens the run of the business date and queues `CLOSE_WORKERS` `close_work` tasks. Each
one runs the same loop (`loans.eod.workers.close_work`): take a chunk of the current step under a
lease, run it, move the step on when its last chunk is done, until the close is done. A worker
killed or cut off mid-chunk stops renewing its lease; when it expires another worker takes the
chunk, and the late worker's commit is refused by the lease's fence. Tasks take dates only and
are acknowledged late, so a task whose worker died is redelivered and simply joins the close;
calling `close_business_day` again resumes a stalled or failed close. No result backend needed.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings

from loans.eod import close_run_open
from loans.eod.steps import DONE
from loans.eod.workers import close_work


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


@shared_task(acks_late=True)
def close_business_day(business_date: str | None = None) -> str:
    """Close `business_date` (ISO; default: the current business date), or resume its close."""
    run = close_run_open(business_date=_date(business_date))
    if run.current_step != DONE:
        for _ in range(max(1, int(getattr(settings, "CLOSE_WORKERS", 4)))):
            close_work_task.delay(run.business_date.isoformat())
    return run.business_date.isoformat()


@shared_task(bind=True, acks_late=True, name="loans.tasks.close_work")
def close_work_task(self, business_date: str) -> dict:
    """One worker's share of a close: chunks taken under leases until the close is done."""
    done = close_work(
        business_date=date.fromisoformat(business_date), worker=self.request.hostname or ""
    )
    return {"worker": done.worker, "chunks": done.chunks, "fenced": done.fenced}
