"""The end-of-day close (日终): the nightly batch that keeps every loan's books true.

One close of business date D runs these steps in order (`loans.eod.steps.STEPS`), each over
chunks of loan ids, set-based, each chunk in its own transaction and idempotent on
(loan, date, step):

1. ``accrual``       interest of the day and period fees falling due      (`accrual.py`)
2. ``due``           installments falling due become due                  (`due.py`)
3. ``delinquency``   days past due and delinquency buckets                (`delinquency.py`)
4. ``penalties``     penalty interest, capped at the all-in cost ceiling  (`penalties.py`)
5. ``states``        non-accrual, charge-off, delinquent / cured          (`states.py`)
6. ``provisioning``  five-category classification, allowance change       (`provisioning.py`)
7. ``collection``    hand-off to collections                              (`collection_hook.py`)
8. ``snapshot``      the daily portfolio snapshot                         (`snapshot.py`)
9. ``advance``       the business date moves to D + 1                     (`advance.py`)

`runner.py` opens a run, runs chunks and finishes steps; `loans.tasks` fans them out on Celery.
"""

from .runner import (
    CHUNK_SIZE,
    CloseError,
    close_chunk_run,
    close_day_run,
    close_pending_chunks,
    close_run_open,
    close_step_finish,
)
from .steps import STEP_NAMES, STEPS

__all__ = [
    "CHUNK_SIZE",
    "STEPS",
    "STEP_NAMES",
    "CloseError",
    "close_chunk_run",
    "close_day_run",
    "close_pending_chunks",
    "close_run_open",
    "close_step_finish",
]
