"""The close's `buyback` step: a guaranteed partner's share of a loan past its arrangement's
days-past-due threshold is bought back by the platform (代偿) at the face of the receivables,
from the business date on (`shares_move`). One query per chunk finds the loans; most days there
are none."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F

from loans.eod import StepResult
from loans.models import Loan

from ..models import Funder, LoanFunding
from .moves import BUYBACK_KIND, shares_move

DUE_FOR_BUYBACK = (Loan.Status.ACTIVE, Loan.Status.DELINQUENT)


def buybacks_run(chunk) -> StepResult:
    due = (
        LoanFunding.objects.filter(
            chunk.loans("loan_id"),
            guaranteed=True,
            valid_until__isnull=True,
            valid_from__lte=chunk.business_date,
            loan__status__in=DUE_FOR_BUYBACK,
            loan__days_past_due__gte=F("buyback_days_past_due"),
        )
        .exclude(funder__kind=Funder.Kind.PLATFORM)
        .values_list("funder_id", "loan_id")
    )
    by_funder: dict[int, list[int]] = defaultdict(list)
    for funder_id, loan_id in due:
        by_funder[funder_id].append(loan_id)
    if not by_funder:
        return StepResult()
    platform = Funder.objects.get(kind=Funder.Kind.PLATFORM)
    entries = 0
    for funder_id, loan_ids in sorted(by_funder.items()):
        moved = shares_move(
            reference=f"buyback-{chunk.business_date}-{funder_id}",
            kind=BUYBACK_KIND,
            seller=Funder.objects.get(pk=funder_id),
            buyer=platform,
            loan_ids=sorted(loan_ids),
            cut_off=chunk.business_date,
            price=None,
            actor="eod",
        )
        entries += 2 * len(moved)
    return StepResult(loans=sum(len(ids) for ids in by_funder.values()), entries=entries)
