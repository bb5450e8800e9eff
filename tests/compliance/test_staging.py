"""The close's IFRS 9 staging: backstops, the watch list, the cure period and the log."""

from datetime import date, timedelta

import pytest

from compliance.models import LoanStage, StageChange
from loans.models import Loan
from tests.lifecycle.factories import close_steps, make_active_loan

pytestmark = pytest.mark.django_db
START = date(2026, 1, 15)


def stage_on(loan, day, *, dpd, non_accrual=False):
    Loan.objects.filter(pk=loan.pk).update(days_past_due=dpd, non_accrual=non_accrual)
    close_steps(day, "staging", loan=loan)
    return LoanStage.objects.get(loan=loan)


def test_staging_across_a_delinquency_and_a_cure(settings):
    settings.ECL_CURE_PERIOD_DAYS = 90
    loan = make_active_loan()
    # a performing loan starts in stage 1
    assert stage_on(loan, START, dpd=0).stage == 1
    # 35 days past due: stage 2 at once; 95: stage 3
    day = date(2026, 3, 22)
    assert stage_on(loan, day, dpd=35).stage == 2
    assert stage_on(loan, day + timedelta(days=60), dpd=95).stage == 3
    # paid up: it stays in stage 3 through the cure period, then moves to stage 1
    cured = day + timedelta(days=61)
    assert stage_on(loan, cured, dpd=0).reason == "in cure (0 of 90 days)"
    assert stage_on(loan, cured + timedelta(days=89), dpd=0).stage == 3
    # a relapse during the cure restarts it
    assert stage_on(loan, cured + timedelta(days=89), dpd=0).stage == 3
    final = stage_on(loan, cured + timedelta(days=90), dpd=0)
    assert (final.stage, final.since) == (1, cured + timedelta(days=90))
    log = list(StageChange.objects.filter(loan=loan).values_list("from_stage", "to_stage"))
    assert log == [(None, 1), (1, 2), (2, 3), (3, 1)]
    reasons = list(StageChange.objects.filter(loan=loan).values_list("reason", flat=True))
    assert reasons[1] == "35 days past due (backstop 30)"
    assert reasons[-1].startswith("cured after 90 days")


def test_a_relapse_in_the_cure_period_starts_it_again():
    loan = make_active_loan()
    stage_on(loan, START, dpd=40)
    stage_on(loan, START + timedelta(days=1), dpd=0)
    stage_on(loan, START + timedelta(days=50), dpd=31)  # late again: the cure is lost
    stage = stage_on(loan, START + timedelta(days=51), dpd=0)
    assert stage.stage == 2 and stage.better_since == START + timedelta(days=51)


def test_the_watch_list_and_non_accrual_trigger_stages_and_a_rerun_changes_nothing():
    loan = make_active_loan()
    stage_on(loan, START, dpd=0)
    LoanStage.objects.filter(loan=loan).update(watch_list=True)
    assert stage_on(loan, START + timedelta(days=1), dpd=0).reason == "watch list"
    assert stage_on(loan, START + timedelta(days=2), dpd=0, non_accrual=True).stage == 3
    before = list(StageChange.objects.values_list("id", "to_stage"))
    stage_on(loan, START + timedelta(days=2), dpd=0, non_accrual=True)
    assert list(StageChange.objects.values_list("id", "to_stage")) == before


def test_a_restructuring_under_observation_is_stage_two_until_it_ends_and_cures(settings):
    settings.ECL_CURE_PERIOD_DAYS = 30
    loan = make_active_loan()
    Loan.objects.filter(pk=loan.pk).update(
        restructured_on=START, restructured_until=START + timedelta(days=90)
    )
    first = stage_on(loan, START, dpd=0)
    assert (first.stage, first.reason) == (2, "restructured")
    # observation over: it has met stage 1's conditions since then, and moves after the cure
    ended = START + timedelta(days=91)
    assert stage_on(loan, ended, dpd=0).stage == 2
    assert stage_on(loan, ended + timedelta(days=30), dpd=0).stage == 1


def test_a_score_downgrade_since_origination_is_stage_two(settings):
    from loans.models import CreditAssessment

    settings.ECL_SCORE_DOWNGRADE_POINTS = 50
    loan = make_active_loan()
    Loan.objects.filter(pk=loan.pk).update(credit_score=700)

    def assess(score, day):
        CreditAssessment.objects.create(
            borrower_id=loan.borrower_id,
            score=score,
            source="bureau",
            assessed_by="test",
            business_date=day,
        )

    assess(700, START)
    assert stage_on(loan, START, dpd=0).stage == 1
    # 49 points lower is not significant; 50 is
    assess(651, START + timedelta(days=1))
    assert stage_on(loan, START + timedelta(days=1), dpd=0).stage == 1
    assess(650, START + timedelta(days=2))
    moved = stage_on(loan, START + timedelta(days=2), dpd=0)
    assert (moved.stage, moved.reason) == (2, "score downgrade")
    # an assessment dated after the date staged does not count yet
    other = make_active_loan()
    Loan.objects.filter(pk=other.pk).update(credit_score=700, borrower_id=loan.borrower_id)
    assert stage_on(other, START + timedelta(days=1), dpd=0).stage == 1
    # and the trigger can be switched off
    settings.ECL_SCORE_DOWNGRADE_POINTS = 0
    assert stage_on(other, START + timedelta(days=2), dpd=0).stage == 1
    settings.ECL_SCORE_DOWNGRADE_POINTS = 50
    assert stage_on(other, START + timedelta(days=3), dpd=0).stage == 2


def _row_version(loan) -> str:
    """Where the stage row's current version lies: a write makes a new version elsewhere."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT ctid::text FROM compliance_loanstage WHERE loan_id = %s", [loan.pk])
        return cursor.fetchone()[0]


def test_a_loan_that_holds_its_stage_is_not_written_again():
    # given a performing loan staged on one day, and one 40 days late staged on the same day
    performing, late = make_active_loan(), make_active_loan()
    stage_on(performing, START, dpd=0)
    stage_on(late, START, dpd=40)
    written = _row_version(performing), _row_version(late)
    # when the next days are staged (each in its own transaction)
    for day in (1, 2):
        stage_on(performing, START + timedelta(days=day), dpd=0)
        stage_on(late, START + timedelta(days=day), dpd=40 + day)
    # then the performing loan's row was left alone, stage, reason and since as they were
    stage = LoanStage.objects.get(loan=performing)
    assert (stage.stage, stage.reason, stage.since) == (1, "performing", START)
    assert _row_version(performing) == written[0]
    # and the late loan's row was written, its reason naming the new days past due
    assert _row_version(late) != written[1]
    assert LoanStage.objects.get(loan=late).reason == "42 days past due (backstop 30)"
