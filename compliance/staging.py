"""The close's `staging` step: every open loan's IFRS 9 stage (`calc.ecl.stage_for`), set-based.

Stage 3 at 90 days past due or on non-accrual; stage 2 at 30 days past due, on the watch list,
while a restructuring is under observation (from `Loan.restructured_on` to
`restructured_until`, issue 16's modifications; with no end given, from the restructuring on),
or on a score downgrade (the borrower's latest credit assessment on or before the date at least
`ECL_SCORE_DOWNGRADE_POINTS` below the score the loan was granted on, `Loan.credit_score`);
stage 1 otherwise (backstops in `ECL_STAGE2_DAYS_PAST_DUE`, `ECL_STAGE3_DAYS_PAST_DUE`). A loan
moves to a better stage only after meeting its conditions for `ECL_CURE_PERIOD_DAYS` (default 90)
business days in a row; a worse stage applies at once. Each move is logged (`StageChange`) with
its reason. Idempotent: the stage of a date is a function of the loan and the stage it held
before, and the log keeps one move per loan and date. Only rows that change are written.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.db.models import OuterRef, Subquery

from calc.ecl import StageInputs, stage_for
from compliance.models import LoanStage, StageChange
from loans.eod import Chunk, StepResult
from loans.eod.common import OPEN
from loans.models import CreditAssessment, Loan


def _settings() -> tuple[int, int, int]:
    return (
        settings.ECL_CURE_PERIOD_DAYS,
        settings.ECL_STAGE2_DAYS_PAST_DUE,
        settings.ECL_STAGE3_DAYS_PAST_DUE,
    )


def restructured_on(day: date, since: date | None, until: date | None) -> bool:
    """Under a restructuring's observation on `day`."""
    return since is not None and since <= day and (until is None or day <= until)


def latest_scores(borrower_ids, day: date) -> dict[int, int]:
    """Each borrower's latest assessed credit score on or before `day`."""
    latest = (
        CreditAssessment.objects.filter(borrower_id=OuterRef("borrower_id"), business_date__lte=day)
        .order_by("-business_date", "-id")
        .values("id")[:1]
    )
    return dict(
        CreditAssessment.objects.filter(
            borrower_id__in=borrower_ids, id=Subquery(latest)
        ).values_list("borrower_id", "score")
    )


def score_downgraded(granted: int | None, latest: int | None, points: int) -> bool:
    return (
        bool(points) and granted is not None and latest is not None and latest <= granted - points
    )


class _Held(NamedTuple):
    """A loan's stage row as stored: the step writes a row only when this changes."""

    stage: int
    reason: str
    since: date
    better_since: date | None
    watch_list: bool


def stages_update(chunk: Chunk) -> StepResult:
    today = chunk.business_date
    cure_days, stage2_days, stage3_days = _settings()
    points = settings.ECL_SCORE_DOWNGRADE_POINTS
    loans = list(
        Loan.objects.filter(chunk.loans(), status__in=OPEN).values_list(
            "id",
            "days_past_due",
            "non_accrual",
            "restructured_on",
            "restructured_until",
            "credit_score",
            "borrower_id",
        )
    )
    scores = latest_scores({row[-1] for row in loans}, today) if points else {}
    held = {
        row[0]: _Held(*row[1:])
        for row in LoanStage.objects.filter(
            chunk.loans("loan_id"), loan__status__in=OPEN
        ).values_list("loan_id", "stage", "reason", "since", "better_since", "watch_list")
    }
    rows, changes = [], []
    for loan_id, dpd, non_accrual, since, until, granted, borrower_id in loans:
        current = held.get(loan_id)
        inputs = StageInputs(
            days_past_due=dpd,
            non_accrual=non_accrual,
            watch_list=bool(current and current.watch_list),
            restructured=restructured_on(today, since, until),
            score_downgraded=score_downgraded(granted, scores.get(borrower_id), points),
        )
        met, _ = stage_for(inputs, stage2_days=stage2_days, stage3_days=stage3_days)
        previous = current.stage if current else None
        better_since = None
        if previous is not None and met < previous:
            better_since = current.better_since or today
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
        row = _Held(
            stage,
            reason[:120],
            today if moved else current.since,
            better_since,
            bool(current and current.watch_list),
        )
        if row != current:  # most loans hold their stage, reason and dates from day to day
            rows.append(LoanStage(loan_id=loan_id, **row._asdict()))
    LoanStage.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["loan"],
        update_fields=["stage", "reason", "since", "better_since"],
        batch_size=5000,
    )
    StageChange.objects.bulk_create(changes, ignore_conflicts=True, batch_size=5000)
    return StepResult(loans=len(changes))
