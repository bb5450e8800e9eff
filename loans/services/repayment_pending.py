"""The batch of repayments kept for one write (`repayment_batch`), as the reads that must see
them know it: apart, so that `loan_io`, which the batch writes through, can ask it."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Protocol


class KeptRepayments(Protocol):
    def pending_for(self, loan_id: int) -> bool: ...

    def flush(self) -> None: ...


KEPT: ContextVar[KeptRepayments | None] = ContextVar("kept_repayments", default=None)


def repayments_written(loan_id: int) -> None:
    """Before reading a loan's installments, repayments or allocations inside a batch: write
    what the batch keeps for it."""
    batch = KEPT.get()
    if batch is not None and batch.pending_for(loan_id):
        batch.flush()
