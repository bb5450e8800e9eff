"""The close's `rate_resets` step: floating-rate loans due a reset are repriced from the index
and their schedules rebuilt (`loans.services.rate_resets`). It runs before the accrual, so the day
accrues on the new schedule. Idempotent: a reset moves the loan's next reset date past the
business date in the same transaction, so a second run finds nothing due."""

from __future__ import annotations

from loans.models import Loan
from loans.services.rate_resets import rate_resets_apply

from .common import Chunk, StepResult, loans_lock


def rate_resets_run(chunk: Chunk) -> StepResult:
    loans_lock(chunk)
    repriced = rate_resets_apply(
        Loan.objects.filter(chunk.loans()), business_date=chunk.business_date
    )
    return StepResult(loans=repriced)
