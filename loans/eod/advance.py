"""The close's `advance` step: the business date moves to the next day (the ledger refuses any
other move)."""

from __future__ import annotations

from datetime import timedelta

from ledger.services import business_date_advance

from .common import Chunk, StepResult


def business_date_next(chunk: Chunk) -> StepResult:
    business_date_advance(to=chunk.business_date + timedelta(days=1))
    return StepResult()
