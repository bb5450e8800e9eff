"""Step 7: hand the day's delinquency picture to collections.

Calls `collection.services.cases_sync(business_date=..., loan_ids=[...])` for the chunk's loans
whose cases can change: the delinquent ones (their days past due moved, or a case opens) and
those that changed state on the day (cured, charged off, paid off: their cases close). A current
loan that did not change has no case to open, refresh or close, so it is not sent: the hook then
costs in proportion to the delinquent book, not the whole portfolio.
Collections are another app's business, built separately: when `collection.services` or its
`cases_sync` does not exist yet, the step does nothing (and says so in its result); any other
import error is a bug and is raised.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from django.db.models import Q

from loans.models import Loan, LoanTransition

from .common import OPEN, Chunk, StepResult

MODULE = "collection.services"


def cases_sync_function() -> Callable | None:
    try:
        module = importlib.import_module(MODULE)
    except ModuleNotFoundError as exc:
        if exc.name in (MODULE, "collection"):
            return None
        raise
    return getattr(module, "cases_sync", None)


def collection_sync(chunk: Chunk) -> StepResult:
    cases_sync = cases_sync_function()
    if cases_sync is None:
        return StepResult()
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
