"""The close's `delinquency` step: days past due and the delinquency bucket of every open loan.

Days past due (DPD) on business date D count from the oldest installment still unpaid after its
due date, *after the grace days*: DPD = max(0, (D - oldest due date) - grace days). An
installment due on D is not yet past due; with 3 grace days, an installment due on the 1st makes
the loan 1 day past due on the 5th. Buckets (data, below): current, 1-30, 31-60, 61-90, 91-180,
180+ (181 days and more): `calc.delinquency`, which the reports and the dashboard read too.

Only loans whose figures change are written (one UPDATE per chunk). Loans paid off by a
repayment keep no stale DPD: they are reset to current here too.
"""

from __future__ import annotations

from django.db.models import Min, Q
from django.utils import timezone

from calc.delinquency import CURRENT, bucket_for, days_past_due
from core.db import rows_update
from loans.events import installments_overdue
from loans.models import Installment, Loan

from .common import OPEN, Chunk, StepResult

UNPAID = (Installment.Status.DUE, Installment.Status.PARTIALLY_PAID)


def delinquency_update(chunk: Chunk) -> StepResult:
    today = chunk.business_date
    overdue = Installment.objects.filter(
        chunk.loans("loan_id"), loan__status__in=OPEN, status__in=UNPAID, due_date__lt=today
    )
    oldest = dict(
        overdue.values("loan_id").annotate(oldest=Min("due_date")).values_list("loan_id", "oldest")
    )
    candidates = Loan.objects.filter(chunk.loans(), status__in=OPEN).filter(
        Q(days_past_due__gt=0)
        | ~Q(delinquency_bucket=CURRENT)
        | Q(id__in=overdue.values("loan_id"))
    )
    changes = []
    for loan_id, grace, dpd_before, bucket_before in candidates.values_list(
        "id", "grace_days", "days_past_due", "delinquency_bucket"
    ):
        dpd = days_past_due(oldest.get(loan_id), today, grace)
        bucket = bucket_for(dpd)
        if (dpd, bucket) != (dpd_before, bucket_before):
            changes.append((loan_id, dpd, bucket))
    # Paid off (or written off) since: nothing is past due on a loan that owes nothing.
    settled = Loan.objects.filter(chunk.loans(), status=Loan.Status.PAID_OFF).filter(
        Q(days_past_due__gt=0) | ~Q(delinquency_bucket=CURRENT)
    )
    changes += [(loan_id, 0, CURRENT) for loan_id in settled.values_list("id", flat=True)]
    installments_overdue(*chunk.bounds(), UNPAID, OPEN, today)
    rows_update(
        "loans_loan",
        [("days_past_due", "integer"), ("delinquency_bucket", "text")],
        changes,
        constants={"updated_at": timezone.now()},
    )
    return StepResult(loans=len(changes))
