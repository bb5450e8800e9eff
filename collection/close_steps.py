"""The close's `collection` step: hand the day's delinquency picture to collections.

Calls `collection.services.cases_sync(business_date=..., loan_ids=[...])` for the chunk's loans
whose cases can change: the delinquent ones (their days past due moved, or a case opens) and
those that changed state on the day (cured, charged off, paid off: their cases close). A current
loan that did not change has no case to open, refresh or close, so it is not sent: the hook then
costs in proportion to the delinquent book, not the whole portfolio.
"""

from __future__ import annotations

from django.db.models import Q

from collection.services import cases_sync
from loans.eod import Chunk, StepResult, step_register
from loans.eod.common import OPEN
from loans.models import Loan, LoanTransition


def collection_sync(chunk: Chunk) -> StepResult:
    changed_today = LoanTransition.objects.filter(
        chunk.loans("loan_id"), business_date=chunk.business_date
    ).values("loan_id")
    loan_ids = list(
        Loan.objects.filter(chunk.loans())
        .filter(
            Q(status=Loan.Status.DELINQUENT)
            | Q(status__in=OPEN, days_past_due__gt=0)
            | Q(id__in=changed_today)
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    if loan_ids:
        cases_sync(business_date=chunk.business_date, loan_ids=loan_ids)
    return StepResult(loans=len(loan_ids))


def register() -> None:
    step_register("collection", collection_sync)
