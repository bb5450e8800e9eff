"""The close's `rate_resets` step: the modifications the calendar decides. Floating-rate loans due
a reset are repriced from the index and their schedules rebuilt (`loans.services.rate_resets`);
it runs before the accrual, so the day accrues on the new schedule. Settlements whose deadline is
the day closed (or earlier) and that were not paid in full are voided (`settlements_void`).
Idempotent: a reset moves the loan's next reset date past the business date in the same
transaction, and a voided settlement is no longer approved, so a second run finds nothing."""

from __future__ import annotations

from loans.models import Loan
from loans.services.rate_resets import rate_resets_apply
from loans.services.settlements import settlements_void

from .common import Chunk, StepResult, loans_lock


def rate_resets_run(chunk: Chunk) -> StepResult:
    loans_lock(chunk)
    loans = Loan.objects.filter(chunk.loans())
    repriced = rate_resets_apply(loans, business_date=chunk.business_date)
    voided = settlements_void(loans, business_date=chunk.business_date)
    return StepResult(loans=repriced + voided)
