"""The end-of-day close (日终): the nightly batch that keeps every loan's books true.

One close of business date D runs the steps of `settings.CLOSE_STEPS` in that order, each over
chunks of loan ids, set-based, each chunk in its own transaction and idempotent on
(loan, date, step). Apps contribute steps from their `AppConfig.ready()` (`steps.py`, the
registry): `loans` its own (rate resets, accrual, due, delinquency, penalties, states, snapshot, advance),
`compliance` classification and provisioning and the month-end capture, `collection` its
cases, `origination` its credit lines; `loans` imports none of them.

`runner.py` opens a run, runs chunks and finishes steps; `leases.py` lets workers on several
hosts share the chunks safely; `workers.py` is the loop every worker runs (`loans.tasks` queues
it on Celery; `close_day` runs it in-process).
"""

from .common import Chunk, StepResult
from .runner import (
    CHUNK_SIZE,
    CloseError,
    LeaseLost,
    close_chunk_run,
    close_run_open,
    close_step_finish,
)
from .steps import CloseStepsMisconfigured, close_step_names, close_steps, step_register
from .workers import close_day_run


def register_loans_steps() -> None:
    """The loans app's own steps (its `ready()` calls this)."""
    from .accrual import interest_accrue
    from .advance import business_date_next
    from .delinquency import delinquency_update
    from .due import installments_mark_due
    from .journal import journal_months_prepare
    from .penalties import penalties_accrue
    from .rate_resets import rate_resets_run
    from .snapshot import snapshot_take
    from .states import states_update

    step_register("rate_resets", rate_resets_run)
    step_register("accrual", interest_accrue)
    step_register("due", installments_mark_due)
    step_register("delinquency", delinquency_update)
    step_register("penalties", penalties_accrue)
    step_register("states", states_update)
    step_register("snapshot", snapshot_take, chunked=False)
    step_register("journal", journal_months_prepare, chunked=False)
    step_register("advance", business_date_next, chunked=False)


__all__ = [
    "CHUNK_SIZE",
    "Chunk",
    "CloseError",
    "LeaseLost",
    "CloseStepsMisconfigured",
    "StepResult",
    "close_chunk_run",
    "close_day_run",
    "close_run_open",
    "close_step_finish",
    "close_step_names",
    "close_steps",
    "register_loans_steps",
    "step_register",
]
