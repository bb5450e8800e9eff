"""Decisions are explainable and reproducible; policy versions are immutable data; referred
applications go to manual review."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from loans.models import CreditAssessment
from loans.services.applications import loan_apply
from origination.errors import ApplicationStateError, OriginationError, PolicyError
from origination.models import CreditLine, DecisionRecord, LoanApplication, PolicyVersion
from origination.pipeline import evaluate
from origination.scoring import register_provider
from origination.services.applications import application_review, applications_decide
from origination.services.decisions import decision_replay, decision_reproduces
from origination.services.policies import policy_version_active, policy_version_publish

from .factories import ACTOR, TODAY, decide, make_borrower, make_policy, make_product, submit
from .test_scorecard import FixedBureau

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("income", ["12000", "2000", "1000", "60000"])
def test_replaying_a_stored_decision_through_its_policy_version_gives_the_same_decision(income):
    decision = decide(submit(monthly_income=income))
    replayed = decision_replay(decision=decision)
    assert replayed.fingerprint == decision.fingerprint
    assert (replayed.outcome, replayed.score, list(replayed.reason_codes)) == (
        decision.outcome,
        decision.score,
        decision.reason_codes,
    )
    assert dict(replayed.offer) == decision.offer
    assert [s.as_dict() for s in replayed.steps] == [
        {
            "name": s.name,
            "result": s.result,
            "inputs": s.inputs,
            "reason_code": s.reason_code,
            "detail": s.detail,
        }
        for s in decision.steps.order_by("position")
    ]


def test_replay_uses_the_stored_policy_even_after_a_new_version_is_active():
    decision = decide(submit())
    make_policy(decision={"approve_min_score": 900, "refer_min_score": 850})
    assert decide(submit()).outcome == "decline"
    assert decision_reproduces(decision=decision)


def test_later_events_do_not_change_a_replay():
    # the facts are stored: new applications (velocity) and new lines (exposure) after the
    # decision do not change what it saw
    borrower = make_borrower()
    decision = decide(submit(borrower))
    for _ in range(4):
        decide(submit(borrower))
    assert decision_reproduces(decision=decision)


def test_a_tampered_input_no_longer_reproduces():
    decision = decide(submit())
    decision.inputs["application"]["declared_monthly_income"] = "1000.00"
    assert not decision_reproduces(decision=decision)


def test_the_same_facts_and_policy_always_evaluate_alike():
    decision = decide(submit())
    policy = decision.policy_version.policy
    fingerprints = {evaluate(decision.inputs, policy).fingerprint for _ in range(5)}
    assert fingerprints == {decision.fingerprint}


def test_an_external_score_is_stored_with_the_facts_and_not_asked_again_on_replay():
    register_provider(FixedBureau())
    version = make_policy(scoring={"provider": "test-bureau"})
    FixedBureau.calls = 0
    decision = decide(submit(), version)
    assert FixedBureau.calls == 1
    assert decision.score == 712
    assert decision.score_provider == "test-bureau"
    assert decision.inputs["external_score"]["score"] == 712
    assert decision_reproduces(decision=decision)
    assert FixedBureau.calls == 1


def test_a_batch_is_decided_in_one_call_and_each_decision_is_stored_with_its_trail():
    product = make_product()
    applications = [
        submit(product=product, monthly_income=income) for income in ("12000", "2000", "1000")
    ]
    records = applications_decide(application_ids=[a.pk for a in applications], business_date=TODAY)
    assert [r.outcome for r in records] == ["approve", "refer", "refer"]
    assert all(r.steps.count() == 15 for r in records)
    assert CreditLine.objects.filter(application__in=applications).count() == 1
    # deciding again decides nothing: they are no longer submitted
    assert (
        applications_decide(application_ids=[a.pk for a in applications], business_date=TODAY) == []
    )
    with pytest.raises(ApplicationStateError):
        decide(applications[0])


def test_a_policy_version_becomes_immutable_once_used():
    version = make_policy()
    assert version.first_used_on is None
    decide(submit(), version)
    version.refresh_from_db()
    assert version.first_used_on == TODAY
    version.policy = {**version.policy, "max_reasons": 1}
    with pytest.raises(IntegrityError), transaction.atomic():
        version.save()
    # a change is a new version, and the old one stays as it was
    newer = policy_version_publish(code="retail", policy=version.policy, actor=ACTOR)
    assert newer.version == version.version + 1
    assert PolicyVersion.objects.get(pk=version.pk).policy["max_reasons"] == 4
    assert policy_version_active() == newer


def test_a_policy_the_pipeline_cannot_run_is_refused():
    with pytest.raises(PolicyError):
        policy_version_publish(code="retail", policy={"bands": []}, actor=ACTOR)


def test_manual_review_approves_a_referred_application_with_the_offer():
    application = submit(monthly_income="2000")
    referred = decide(application)
    assert referred.outcome == "refer"
    with pytest.raises(OriginationError):
        application_review(
            application=application, approve=True, actor="officer", business_date=TODAY
        )
    manual = application_review(
        application=application,
        approve=True,
        actor="officer",
        business_date=TODAY,
        note="income verified with payslips",
    )
    assert (manual.kind, manual.outcome, manual.actor) == ("manual", "approve", "officer")
    assert manual.steps.get().name == "manual_review"
    line = CreditLine.objects.get(application=application)
    assert line.limit == Decimal(referred.offer["limit"])
    assert application.status == LoanApplication.Status.APPROVED
    with pytest.raises(ApplicationStateError):
        application_review(
            application=application, approve=False, actor="o", business_date=TODAY, note="x"
        )


def test_manual_review_declines_with_reasons_the_borrower_is_told():
    application = submit(monthly_income="2000")
    decide(application)
    manual = application_review(
        application=application,
        approve=False,
        actor="officer",
        business_date=TODAY,
        note="could not verify income",
        reason_codes=["M01"],
    )
    assert manual.reason_codes == ["M01"]
    assert not CreditLine.objects.filter(application=application).exists()
    assert application.decisions.count() == 2
    assert DecisionRecord.objects.filter(application=application, kind="manual").count() == 1


def test_manual_approval_respects_the_regulatory_limit_as_it_is_now():
    from .test_rules import granted

    borrower = make_borrower()
    product = make_product(max_amount=Decimal("200000"))
    application = submit(borrower, product, monthly_income="2000")
    assert decide(application).outcome == "refer"
    # meanwhile the borrower was granted 199,000 elsewhere at this lender
    granted(borrower, product, "100000", "99000")
    manual = application_review(
        application=application, approve=True, actor="officer", business_date=TODAY, note="ok"
    )
    assert (manual.offer["limit"], manual.offer["limit_binding"]) == ("1000.00", "regulatory")
    assert CreditLine.objects.get(application=application).limit == Decimal("1000")


def test_a_decisions_score_is_the_lenders_assessment_that_prices_a_direct_application():
    # given a borrower decided by the pipeline
    borrower = make_borrower()
    decision = decide(submit(borrower))
    # then its score is recorded as the lender's assessment of the borrower
    assessment = CreditAssessment.objects.get(borrower=borrower)
    assert (assessment.score, assessment.source, assessment.reference) == (
        decision.score,
        "decision",
        f"decision {decision.pk}",
    )
    # and a direct application is priced on it (the band of the decision's score)
    bands = [
        {"min_score": decision.score, "annual_rate": "0.12", "name": "at or above"},
        {"min_score": None, "annual_rate": "0.24", "name": "below"},
    ]
    product = make_product("cash_loan", pricing_bands=bands)
    loan = loan_apply(
        borrower=borrower,
        product_code=product.code,
        principal=Decimal("5000"),
        term=6,
        business_date=TODAY,
        actor=ACTOR,
    )
    assert (loan.annual_rate, loan.credit_assessment_id) == (Decimal("0.12"), assessment.pk)
