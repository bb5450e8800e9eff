"""The close's `credit_lines` step: credit lines follow their loans: a delinquent drawdown
freezes its line, a cure unfreezes it by policy, expired lines close and settled loans release
their collateral."""

from __future__ import annotations

from loans.eod import Chunk, StepResult, step_register
from origination.services.line_sync import credit_lines_sync


def credit_lines_update(chunk: Chunk) -> StepResult:
    result = credit_lines_sync(business_date=chunk.business_date)
    return StepResult(loans=result.refreshed)


def register() -> None:
    step_register("credit_lines", credit_lines_update, chunked=False)
