"""Applications and their decisions: submit, decide (one or a batch), manual review, replay.

A decision is the pure pipeline (`pipeline.evaluate`) over facts gathered set-based for the
batch (`facts.gather`), stored with its trail in bulk: one INSERT of decisions, one of steps,
one UPDATE per outcome, one INSERT of the credit lines approved and one of the borrowers' credit
assessments (the decision's score, which prices their direct applications). The stored inputs
and the policy version reproduce it (`decisions.decision_replay`). Policy versions are
published by `policies`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from django.db import transaction

from calc import limits
from core.money import ZERO
from loans import pii
from loans.models import Borrower, Consent, CreditAssessment, Product
from origination.errors import ApplicationStateError, OriginationError
from origination.identity import parse_national_id
from origination.models import (
    CreditLine,
    DecisionRecord,
    DecisionStep,
    LoanApplication,
    PolicyVersion,
)
from origination.pipeline import APPROVE, DECLINE, Evaluation, evaluate
from origination.rules import REFER

from . import facts as facts_module
from .credit_lines import LineOpening, credit_lines_open
from .policies import policy_version_active
from .trail import Decided, objects_insert, trail_store

Outcome = DecisionRecord.Outcome
AppStatus = LoanApplication.Status
STATUS_FOR = {APPROVE: AppStatus.APPROVED, REFER: AppStatus.REFERRED, DECLINE: AppStatus.DECLINED}


@dataclass(frozen=True)
class ApplicantData:
    """What the applicant declares (identity in clear only here: stored as digests)."""

    name: str
    national_id: str
    mobile: str
    monthly_income: Decimal
    residence_country: str = "CN"
    residence_region: str = ""
    device_id: str = ""
    ip_address: str | None = None
    channel: str = "app"


def application_submit(
    *,
    borrower: Borrower,
    product: Product,
    requested_amount: Decimal,
    requested_term: int,
    purpose: str,
    applicant: ApplicantData,
    consents: Sequence[str],
    business_date: date,
    submitted_at: datetime,
    kind: str = LoanApplication.Kind.CREDIT_LINE,
    collateral: Mapping[str, object] | None = None,
) -> LoanApplication:
    """Record an application and the consents given with it (PIPL: per purpose, dated)."""
    if kind not in LoanApplication.Kind.values:
        raise OriginationError(f"Unknown application kind {kind!r}.")
    if requested_amount <= 0 or requested_term <= 0:
        raise OriginationError("The amount and the term asked must be positive.")
    known = set(Consent.Purpose.values)
    unknown = sorted(set(consents) - known)
    if unknown:
        raise OriginationError(f"Unknown consent purposes: {', '.join(unknown)}.")
    valid, birth = parse_national_id(applicant.national_id)
    with transaction.atomic():
        application = LoanApplication.objects.create(
            reference=f"AP{uuid.uuid4().hex[:16].upper()}",
            borrower=borrower,
            product=product,
            kind=kind,
            currency=product.currency,
            requested_amount=requested_amount,
            requested_term=requested_term,
            purpose=purpose[:64],
            declared_monthly_income=applicant.monthly_income,
            declared_name=applicant.name.strip(),
            national_id_digest=pii.digest(applicant.national_id),
            national_id_masked=pii.mask_national_id(applicant.national_id),
            national_id_valid=valid,
            mobile_digest=pii.digest(applicant.mobile),
            mobile_masked=pii.mask_phone(applicant.mobile),
            birth_date=birth,
            residence_country=applicant.residence_country.upper(),
            residence_region=applicant.residence_region,
            consents=sorted(set(consents)),
            device_id=applicant.device_id,
            ip_address=applicant.ip_address,
            channel=applicant.channel,
            collateral_data={k: str(v) for k, v in (collateral or {}).items()},
            business_date=business_date,
            submitted_at=submitted_at,
        )
        Consent.objects.bulk_create(
            Consent(
                borrower=borrower,
                purpose=purpose_code,
                granted=True,
                channel=applicant.channel,
                business_date=business_date,
            )
            for purpose_code in sorted(set(consents))
        )
        return application


def _persist(
    decided: list[tuple[LoanApplication, dict, Evaluation]],
    *,
    version: PolicyVersion,
    business_date: date,
    actor: str,
) -> list[DecisionRecord]:
    """Store the decisions and their trail in bulk, update the applications (one UPDATE per
    outcome) and mark the policy version used."""
    ids = trail_store(
        [Decided(app.id, facts, result) for app, facts, result in decided],
        policy_version_id=version.id,
        business_date=business_date,
        actor=actor,
    )
    # The score is the lender's own assessment of the borrower: it prices direct applications.
    objects_insert(
        [
            CreditAssessment(
                borrower_id=app.borrower_id,
                score=result.score,
                source=CreditAssessment.Source.DECISION,
                provider=result.score_provider,
                reference=f"decision {decision_id}",
                assessed_by=actor,
                business_date=business_date,
            )
            for decision_id, (app, _, result) in zip(ids, decided, strict=True)
            if result.score is not None
        ]
    )
    for outcome, status in STATUS_FOR.items():
        chosen = [app.id for app, _, result in decided if result.outcome == outcome]
        if chosen:
            LoanApplication.objects.filter(id__in=facts_module.among(chosen)).update(
                status=status, decided_on=business_date
            )
    PolicyVersion.objects.filter(pk=version.pk, first_used_on__isnull=True).update(
        first_used_on=business_date
    )
    # What was stored, as instances (no read back: the inputs can be large).
    return [
        DecisionRecord(
            id=decision_id,
            application=app,
            policy_version=version,
            outcome=result.outcome,
            score=result.score,
            score_provider=result.score_provider,
            reason_codes=list(result.reason_codes),
            offer=dict(result.offer),
            inputs=facts,
            fingerprint=result.fingerprint,
            actor=actor,
            business_date=business_date,
        )
        for decision_id, (app, facts, result) in zip(ids, decided, strict=True)
    ]


def _opening(app: LoanApplication, record: DecisionRecord, version_id: int) -> LineOpening:
    return LineOpening(
        application_id=app.id,
        borrower_id=app.borrower_id,
        product_id=app.product_id,
        product_type=app.product.product_type,
        policy_version_id=version_id,
        currency=app.currency,
        offer=record.offer,
        score=record.score,
        reference=app.reference,
        jurisdiction=app.product.jurisdiction,
    )


def _evaluate_in_order(
    applications: list[LoanApplication], gathered: dict[int, dict], policy: Mapping
) -> list[tuple[LoanApplication, dict, Evaluation]]:
    """Evaluate in id order; a line approved earlier in the batch counts in the exposure of the
    borrower's later applications (their stored facts say so)."""
    granted: dict[int, Decimal] = {}
    decided = []
    for app in applications:
        facts = gathered[app.id]
        extra = granted.get(app.borrower_id)
        if extra:
            exposure = Decimal(facts["exposure"]["unsecured"]) + extra
            facts["exposure"] = {**facts["exposure"], "unsecured": str(exposure)}
        result = evaluate(facts, policy)
        secured = limits.collateral_limit(app.product.jurisdiction, app.product.product_type)
        if result.outcome == APPROVE and secured is None:
            granted[app.borrower_id] = granted.get(app.borrower_id, ZERO) + Decimal(
                str(result.offer["limit"])
            )
        decided.append((app, facts, result))
    return decided


def applications_decide(
    *,
    application_ids: Sequence[int],
    business_date: date,
    policy_version: PolicyVersion | None = None,
    actor: str = "system",
) -> list[DecisionRecord]:
    """Decide submitted applications under a policy version (default: the active one), store
    each decision with its trail, and open a credit line for each approval. Applications
    already decided are skipped (their rows are locked first, so a concurrent run cannot
    decide one twice)."""
    version = policy_version or policy_version_active()
    policy = version.policy
    with transaction.atomic():
        applications = list(
            LoanApplication.objects.select_for_update(of=("self",))
            .filter(id__in=facts_module.among(application_ids), status=AppStatus.SUBMITTED)
            .select_related("borrower", "product")
            .order_by("id")
        )
        if not applications:
            return []
        # The regulatory limit is per borrower: decisions on one borrower serialize here.
        facts_module.borrowers_lock([app.borrower_id for app in applications])
        gathered = facts_module.gather(applications, policy=policy, business_date=business_date)
        decided = _evaluate_in_order(applications, gathered, policy)
        records = _persist(decided, version=version, business_date=business_date, actor=actor)
        openings = [
            _opening(app, record, version.id)
            for (app, _, result), record in zip(decided, records, strict=True)
            if result.outcome == APPROVE
        ]
        if openings:
            credit_lines_open(openings=openings, business_date=business_date, actor=actor)
        return records


def application_decide(
    *,
    application: LoanApplication,
    business_date: date,
    policy_version: PolicyVersion | None = None,
    actor: str = "system",
) -> DecisionRecord:
    records = applications_decide(
        application_ids=[application.pk],
        business_date=business_date,
        policy_version=policy_version,
        actor=actor,
    )
    if not records:
        raise ApplicationStateError(f"Application {application.reference} was already decided.")
    application.refresh_from_db()
    return records[0]


def _offer_within_headroom(application: LoanApplication, automated: DecisionRecord) -> dict:
    """The automated offer, its limit cut to what the regulatory limit leaves now: lines may
    have been granted to the borrower since the application was referred."""
    offer = dict(automated.offer)
    product = application.product
    if limits.collateral_limit(product.jurisdiction, product.product_type) is not None:
        return offer
    facts_module.borrowers_lock([application.borrower_id])
    exposure = facts_module.unsecured_exposure([application.borrower_id])[application.borrower_id]
    headroom = limits.exposure_headroom(product.jurisdiction, product.product_type, exposure)
    if headroom is None or Decimal(str(offer["limit"])) <= headroom:
        return offer
    unit = Decimal(str(automated.policy_version.policy.get("limits", {}).get("rounding_unit", "1")))
    cut = (headroom / unit).to_integral_value(rounding=ROUND_DOWN) * unit
    if cut < product.min_amount:
        raise OriginationError(
            f"The borrower's credit has reached the regulatory limit: {headroom} is left.",
            limit="CN-internet-consumer-200k",
        )
    return {**offer, "limit": f"{cut:.2f}", "limit_binding": "regulatory"}


def application_review(
    *,
    application: LoanApplication,
    approve: bool,
    actor: str,
    business_date: date,
    note: str = "",
    reason_codes: Sequence[str] = ("M01",),
) -> DecisionRecord:
    """A reviewer's decision on a referred application: approving opens the credit line the
    automated decision offered; declining tells the borrower `reason_codes`. Recorded as a
    manual decision with its own trail step."""
    if not note.strip():
        raise OriginationError("A manual decision needs a note saying why.")
    with transaction.atomic():
        locked = (
            LoanApplication.objects.select_for_update()
            .select_related("product")
            .get(pk=application.pk)
        )
        if locked.status != AppStatus.REFERRED:
            raise ApplicationStateError(
                f"Application {locked.reference} is {locked.status}; only referred ones are "
                "reviewed."
            )
        automated = locked.decisions.filter(kind=DecisionRecord.Kind.AUTOMATED).first()
        if automated is None or (approve and not automated.offer):
            raise ApplicationStateError(f"Application {locked.reference} has no offer to grant.")
        offer = _offer_within_headroom(locked, automated) if approve else {}
        outcome = Outcome.APPROVE if approve else Outcome.DECLINE
        record = DecisionRecord.objects.create(
            application=locked,
            policy_version_id=automated.policy_version_id,
            kind=DecisionRecord.Kind.MANUAL,
            outcome=outcome,
            score=automated.score,
            score_provider=automated.score_provider,
            reason_codes=[] if approve else list(reason_codes),
            offer=offer,
            inputs={"automated_decision": automated.id, "fingerprint": automated.fingerprint},
            fingerprint=automated.fingerprint,
            actor=actor,
            note=note,
            business_date=business_date,
        )
        DecisionStep.objects.create(
            decision=record,
            position=1,
            name="manual_review",
            inputs={"automated_decision": automated.id, "reviewer": actor},
            result=DecisionStep.Result.PASS if approve else DecisionStep.Result.FAIL,
            reason_code="" if approve else ",".join(reason_codes)[:16],
            detail=note[:255],
        )
        locked.status = AppStatus.APPROVED if approve else AppStatus.DECLINED
        locked.decided_on = business_date
        locked.save(update_fields=["status", "decided_on"])
        if approve:
            credit_lines_open(
                openings=[_opening(locked, record, automated.policy_version_id)],
                business_date=business_date,
                actor=actor,
            )
        application.refresh_from_db()
        return record


def application_line(*, application: LoanApplication) -> CreditLine | None:
    return CreditLine.objects.filter(application=application).first()
