"""Step 8: credit lines follow their loans: a delinquent drawdown freezes its line, a cure
unfreezes it by policy, expired lines close and settled loans release their collateral."""

from __future__ import annotations

from loans.origination.line_sync import credit_lines_sync

from .common import Chunk, StepResult


def credit_lines_update(chunk: Chunk) -> StepResult:
    result = credit_lines_sync(business_date=chunk.business_date)
    return StepResult(loans=result.refreshed)
