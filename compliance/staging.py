"""The close's `staging` step: every open loan's IFRS 9 stage (`calc.ecl.stage_for`), set-based.

Stage 3 at 90 days past due or on non-accrual, stage 2 at 30 days past due or on the watch list,
stage 1 otherwise (backstops in `ECL_STAGE2_DAYS_PAST_DUE`, `ECL_STAGE3_DAYS_PAST_DUE`). A loan
moves to a better stage only after meeting its conditions for `ECL_CURE_PERIOD_DAYS` (default 90)
business days in a row; a worse stage applies at once. Each move is logged (`StageChange`) with
its reason. Idempotent: the stage of a date is a function of the loan and the stage it held
before, and the log keeps one move per loan and date.
"""

from __future__ import annotations

from django.conf import settings

from calc.ecl import StageInputs, stage_for
from compliance.models import LoanStage, StageChange
from loans.eod import Chunk, StepResult
from loans.eod.common import OPEN
from loans.models import Loan


def _settings() -> tuple[int, int, int]:
    return (
        settings.ECL_CURE_PERIOD_DAYS,
        settings.ECL_STAGE2_DAYS_PAST_DUE,
        settings.ECL_STAGE3_DAYS_PAST_DUE,
    )


def stages_update(chunk: Chunk) -> StepResult:
    today = chunk.business_date
    cure_days, stage2_days, stage3_days = _settings()
    loans = Loan.objects.filter(chunk.loans(), status__in=OPEN).values_list(
        "id", "days_past_due", "non_accrual"
    )
    held = {
        row.loan_id: row
        for row in LoanStage.objects.filter(chunk.loans("loan_id"), loan__status__in=OPEN)
    }
    rows, changes = [], []
    for loan_id, dpd, non_accrual in loans:
        current = held.get(loan_id)
        inputs = StageInputs(
            days_past_due=dpd,
            non_accrual=non_accrual,
            watch_list=bool(current and current.watch_list),
        )
        met, _ = stage_for(inputs, stage2_days=stage2_days, stage3_days=stage3_days)
        previous = current.stage if current else None
        better_since = None
        if previous is not None and met < previous:
            better_since = (current.better_since or today) if current else today
        stage, reason = stage_for(
            inputs,
            previous=previous,
            cured_days=(today - better_since).days if better_since else 0,
            cure_period_days=cure_days,
            stage2_days=stage2_days,
            stage3_days=stage3_days,
        )
        moved = stage != previous
        if moved:
            better_since = None
            changes.append(
                StageChange(
                    loan_id=loan_id,
                    business_date=today,
                    from_stage=previous,
                    to_stage=stage,
                    reason=reason[:120],
                )
            )
        rows.append(
            LoanStage(
                loan_id=loan_id,
                stage=stage,
                reason=reason[:120],
                since=today if moved else current.since,
                better_since=better_since,
                watch_list=bool(current and current.watch_list),
            )
        )
    LoanStage.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["loan"],
        update_fields=["stage", "reason", "since", "better_since"],
        batch_size=5000,
    )
    StageChange.objects.bulk_create(changes, ignore_conflicts=True, batch_size=5000)
    return StepResult(loans=len(changes))
