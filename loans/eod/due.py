"""The close's `due` step: installments falling due on the business date (or before, if a close
was missed) become `due`. One UPDATE per chunk; marking twice changes nothing."""

from __future__ import annotations

from loans.events import installments_due
from loans.models import Installment

from .common import OPEN, Chunk, StepResult


def installments_mark_due(chunk: Chunk) -> StepResult:
    # Plain SQL: the ORM's `update()` over a join becomes `id IN (subquery)`, which PostgreSQL
    # plans as a scan of the whole installment table for every chunk.
    statuses = ", ".join(["%s"] * len(OPEN))
    marked = installments_due(
        f"""UPDATE loans_installment SET status = %s
             WHERE status = %s AND due_date <= %s AND loan_id BETWEEN %s AND %s
               AND loan_id IN (SELECT id FROM loans_loan
                                WHERE id BETWEEN %s AND %s AND status IN ({statuses}))""",
        [
            Installment.Status.DUE,
            Installment.Status.SCHEDULED,
            chunk.business_date,
            *chunk.bounds(),
            *chunk.bounds(),
            *OPEN,
        ],
        chunk.business_date,
    )
    return StepResult(loans=marked)
