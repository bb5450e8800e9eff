"""The decision pipeline: facts + policy → outcome, offer, reasons and the trail of steps.

Pure and deterministic: ``evaluate`` reads nothing but its two arguments (JSON-shaped: strings
for amounts and dates), so a stored decision's ``inputs`` re-run through the same policy version
give the same ``fingerprint``. The facts are gathered from the database by
``origination.services.facts``; the decision is stored by ``origination.services.applications``.

Steps, in order: the rules of ``rules.RULES`` (consents, age, residency, identity, block list,
velocity per ID / phone / device, exposure against the regulatory limit, term, collateral), then
``score``, ``cutoff``, ``pricing`` (band, limit, rate, APR disclosure) and ``outcome``.
Any failed step declines; otherwise any referring step refers to manual review; otherwise the
application is approved with the offer. A referred application carries the offer a reviewer may
grant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from calc import limits
from calc.calendar import add_months
from calc.rate_caps import RateCapError, capped_rate
from calc.schedules import ScheduleError

from .pricing import PricingRuleError, band_for, bands_from_policy, credit_limit, priced_quote
from .rules import FAIL, INFO, PASS, REFER, RULES, Step, age_on, borrower_reasons
from .scoring import ScoreOutcome, ScoringError, provider_for

APPROVE, DECLINE = "approve", "decline"
RATIO = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class Evaluation:
    outcome: str
    steps: tuple[Step, ...]
    score: int | None
    score_provider: str
    reason_codes: tuple[str, ...]
    """What the borrower may be told (declines: the top reasons; refers: why it is reviewed)."""
    internal_reasons: tuple[str, ...]
    offer: Mapping[str, object]
    offer_json: str
    inputs_json: tuple[str, ...]
    """Each step's inputs as canonical JSON (hashed into the fingerprint, stored as is)."""
    fingerprint: str


def features(facts: Mapping) -> dict[str, object]:
    """What the score sees, derived from the facts alone."""
    application = facts["application"]
    history = facts["history"]
    birth = application.get("birth_date")
    income = Decimal(application["declared_monthly_income"])
    exposure = Decimal(facts["exposure"]["unsecured"])
    ratio = (exposure / (income * 12)).quantize(RATIO) if income > 0 else None
    return {
        "age": age_on(date.fromisoformat(birth), date.fromisoformat(facts["business_date"]))
        if birth
        else None,
        "monthly_income": income,
        "exposure_to_income": ratio,
        "on_time_installments": int(history["on_time_installments"]),
        "late_installments": int(history["late_installments"]),
        "max_days_past_due": int(history["max_days_past_due"]),
        "months_with_lender": int(history["months_with_lender"]),
        "channel": application["channel"],
    }


def _score(facts: Mapping, policy: Mapping) -> tuple[ScoreOutcome, Step]:
    provider = provider_for(policy.get("scoring", {}).get("provider"))
    feature_values = features(facts)
    if provider.pure:
        outcome = provider.score(features=feature_values, config=policy["scorecard"])
    else:
        # An external score is part of the facts: re-running never calls the service again.
        outcome = ScoreOutcome.from_dict(facts["external_score"])
    inputs = {
        "provider": outcome.provider,
        "features": {k: None if v is None else str(v) for k, v in feature_values.items()},
        "details": dict(outcome.details),
        "reason_codes": list(outcome.reason_codes),
    }
    return outcome, Step("score", INFO, inputs, detail=f"score {outcome.score}")


def _cutoff(score: int, policy: Mapping) -> Step:
    decision = policy.get("decision", {})
    approve_min = int(decision.get("approve_min_score", 0))
    refer_min = int(decision.get("refer_min_score", approve_min))
    inputs = {"score": score, "approve_min": approve_min, "refer_min": refer_min}
    if score >= approve_min:
        return Step("cutoff", PASS, inputs)
    if score >= refer_min:
        return Step("cutoff", REFER, inputs, "D04")
    return Step("cutoff", FAIL, inputs, "D01")


def _representative(product: Mapping, application: Mapping, limit: Decimal) -> tuple:
    """The drawdown the APR disclosure illustrates: the amount asked (within the limit and the
    product's range) over the term asked (or the product's nearest allowed one)."""
    requested = Decimal(application["requested_amount"])
    amount = max(
        min(requested, limit, Decimal(product["max_amount"])), Decimal(product["min_amount"])
    )
    term = int(application["requested_term"])
    allowed = [int(t) for t in product["terms"]]
    if allowed and term not in allowed:
        term = min(allowed, key=lambda candidate: (abs(candidate - term), candidate))
    return amount.quantize(Decimal("0.01")), term


def _pricing(facts: Mapping, policy: Mapping, score: int) -> tuple[Step, dict[str, object]]:
    product = facts["product"]
    application = facts["application"]
    on = date.fromisoformat(facts["business_date"])
    band = band_for(bands_from_policy(policy.get("bands", [])), score)
    if band is None:
        return Step("pricing", FAIL, {"score": score}, "D01", "below every band"), {}
    limit_rules = policy.get("limits", {})
    exposure = Decimal(facts["exposure"]["unsecured"])
    headroom = limits.exposure_headroom(product["jurisdiction"], product["product_type"], exposure)
    cash_value = application.get("collateral", {}).get("cash_value")
    collateral_max = limits.collateral_max_amount(
        jurisdiction=product["jurisdiction"],
        product_type=product["product_type"],
        cash_value=Decimal(cash_value or "0"),
    )
    one_off = application["kind"] == "one_off"
    decided = credit_limit(
        band=band,
        monthly_income=Decimal(application["declared_monthly_income"]),
        product_max=Decimal(product["max_amount"]),
        regulatory_headroom=headroom,
        rounding_unit=Decimal(str(limit_rules.get("rounding_unit", "100"))),
        requested=Decimal(application["requested_amount"]) if one_off else None,
        collateral_max=collateral_max,
    )
    inputs: dict[str, object] = {"band": band.name, "score": score, **decided.as_dict()}
    minimum = max(Decimal(str(limit_rules.get("min_limit", "0"))), Decimal(product["min_amount"]))
    if decided.limit < minimum:
        inputs["min_limit"] = str(minimum)
        return Step("pricing", FAIL, inputs, "D02", f"limit below {minimum}"), {}
    try:
        capped = capped_rate(product["jurisdiction"], on, product.get("cap_rule") or None)
        line_rate = band.annual_rate if capped is None else min(band.annual_rate, capped[1])
        amount, term = _representative(product, application, decided.limit)
        flat_fee = product["method"] == "flat_fee"
        rate, example = priced_quote(
            product,
            principal=amount,
            term=term,
            start_date=on,
            annual_rate=Decimal(0) if flat_fee else line_rate,
        )
    except (PricingRuleError, RateCapError, ScheduleError) as exc:
        return Step("pricing", FAIL, inputs, "D03", str(exc)[:255]), {}
    if not flat_fee:
        line_rate = rate
    totals = example.schedule.totals
    offer = {
        "currency": product["currency"],
        "limit": str(decided.limit),
        "limit_binding": decided.binding,
        "band": band.name,
        "annual_rate": str(line_rate),
        "rate_capped": band.annual_rate > line_rate,
        "rate_cap": None if capped is None else str(capped[1]),
        "revolving": not one_off,
        "expires_on": add_months(on, int(limit_rules.get("expiry_months", 12))).isoformat(),
        "apr": {
            "nominal": str(example.apr.nominal),
            "effective": str(example.apr.effective),
            "method": example.apr.method,
            "example_principal": str(amount),
            "example_term": term,
            "example_total_interest": str(totals.interest),
            "example_total_fee": str(totals.fee + totals.upfront_fee),
            "example_total_repaid": str(totals.total),
            "within_cap": example.rate_cap.within_cap if example.rate_cap else True,
        },
    }
    return Step("pricing", PASS, inputs, detail=f"band {band.name}, limit {decided.limit}"), offer


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)


def canonical_json(value: object) -> str:
    """One spelling of a value: what the fingerprint hashes and the trail stores."""
    return _CANONICAL.encode(value)


def _fingerprint(
    outcome: str, score, reasons, offer_json: str, steps: list[Step], inputs_json: list[str]
) -> str:
    digest = hashlib.sha256(f"{outcome}|{score}|{','.join(reasons)}|{offer_json}".encode())
    for step, inputs in zip(steps, inputs_json, strict=True):
        digest.update(
            f"|{step.name}|{step.result}|{step.reason_code}|{step.detail}|{inputs}".encode()
        )
    return digest.hexdigest()


def evaluate(facts: Mapping, policy: Mapping) -> Evaluation:
    """Decide one application from its facts under a policy (see the module docstring)."""
    steps: list[Step] = [rule(facts, policy) for rule in RULES]
    score: int | None = None
    provider = ""
    scorecard_reasons: tuple[str, ...] = ()
    offer: dict[str, object] = {}
    try:
        scored, score_step = _score(facts, policy)
    except ScoringError as exc:
        steps.append(Step("score", FAIL, {}, "R99", str(exc)[:255]))
    else:
        score, provider, scorecard_reasons = scored.score, scored.provider, scored.reason_codes
        steps.append(score_step)
        cutoff = _cutoff(score, policy)
        steps.append(cutoff)
        pricing, offer = _pricing(facts, policy, score)
        steps.append(pricing)
    failed = [step for step in steps if step.result == FAIL]
    referred = [step for step in steps if step.result == REFER]
    if failed:
        outcome = DECLINE
        internal = [step.reason_code for step in failed]
        if any(step.name in ("cutoff", "pricing") and step.reason_code == "D01" for step in failed):
            internal += list(scorecard_reasons)
    elif referred:
        outcome = REFER
        internal = [step.reason_code for step in referred]
    else:
        outcome = APPROVE
        internal = []
    texts = {code: code for code in scorecard_reasons}
    told = tuple(borrower_reasons(internal, texts)[: int(policy.get("max_reasons", 4))])
    if outcome == DECLINE:
        offer = {}
    steps.append(
        Step(
            "outcome",
            {APPROVE: PASS, REFER: REFER, DECLINE: FAIL}[outcome],
            {"failed": [s.name for s in failed], "referred": [s.name for s in referred]},
            told[0] if told else "",
            outcome,
        )
    )
    offer_json = canonical_json(offer)
    inputs_json = [canonical_json(step.inputs) for step in steps]
    return Evaluation(
        outcome=outcome,
        steps=tuple(steps),
        score=score,
        score_provider=provider,
        reason_codes=told,
        internal_reasons=tuple(internal),
        offer=offer,
        offer_json=offer_json,
        inputs_json=tuple(inputs_json),
        fingerprint=_fingerprint(outcome, score, told, offer_json, steps, inputs_json),
    )
