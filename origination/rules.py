"""Identity, eligibility and anti-fraud rules: each a pure function of the gathered facts and
the policy, returning one decision step (inputs, result, reason code).

A failing rule's effect is policy: ``{"actions": {"velocity": "refer", ...}}`` (``decline`` or
``refer``). Reason codes are stable and listed in ``REASONS`` with the text a borrower may be
told; anti-fraud reasons are not disclosable (telling would teach the fraud), so a borrower
declined by one hears only ``R99``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from calc import limits

PASS, REFER, FAIL, INFO = "pass", "refer", "fail", "info"
GENERIC_REASON = "R99"

REASONS: dict[str, tuple[str, bool]] = {
    "C01": ("A consent the application needs was not given.", True),
    "E01": ("The applicant's age is outside the eligible range.", True),
    "E02": ("The applicant's residence is outside the area we serve.", True),
    "E03": ("The applicant's identity could not be verified.", True),
    "E04": ("Existing credit has reached the regulatory limit per borrower.", True),
    "E05": ("The requested term is longer than allowed.", True),
    "E06": ("The pledged policy's cash value does not secure the loan.", True),
    "F01": ("Listed on the block list.", False),
    "F02": ("Too many applications in a short time.", False),
    "F03": ("Identity data does not match the borrower's record.", False),
    "D01": ("The credit score is below the approval cut-off.", True),
    "D02": ("Declared income does not support the minimum credit line.", True),
    "D03": ("The offer cannot be priced within the legal rate cap.", True),
    "D04": ("The credit score is in the range reviewed by a person.", True),
    "M01": ("Declined on manual review.", True),
    GENERIC_REASON: ("We are unable to offer credit at this time.", True),
}
"""Code → (text a borrower may be told, whether it may be told)."""


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    result: str
    inputs: Mapping[str, object] = field(default_factory=dict)
    reason_code: str = ""
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "result": self.result,
            "inputs": dict(self.inputs),
            "reason_code": self.reason_code,
            "detail": self.detail,
        }


def _on_failure(policy: Mapping, rule: str, default: str) -> str:
    action = policy.get("actions", {}).get(rule, default)
    return REFER if action == "refer" else FAIL


def age_on(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def rule_consents(facts: Mapping, policy: Mapping) -> Step:
    required = sorted(policy.get("eligibility", {}).get("required_consents", []))
    given = set(facts["application"]["consents"])
    missing = [purpose for purpose in required if purpose not in given]
    result = _on_failure(policy, "consents", "decline") if missing else PASS
    return Step(
        "consents",
        result,
        {"required": required, "missing": missing},
        "C01" if missing else "",
        f"missing: {', '.join(missing)}" if missing else "",
    )


def rule_age(facts: Mapping, policy: Mapping) -> Step:
    rules = policy.get("eligibility", {})
    low, high = int(rules.get("min_age", 18)), int(rules.get("max_age", 60))
    birth = facts["application"].get("birth_date")
    if not birth:
        return Step("age", _on_failure(policy, "age", "decline"), {"age": None}, "E01", "unknown")
    age = age_on(date.fromisoformat(birth), date.fromisoformat(facts["business_date"]))
    ok = low <= age <= high
    return Step(
        "age",
        PASS if ok else _on_failure(policy, "age", "decline"),
        {"age": age, "min_age": low, "max_age": high},
        "" if ok else "E01",
    )


def rule_residency(facts: Mapping, policy: Mapping) -> Step:
    rules = policy.get("eligibility", {})
    allowed = list(rules.get("allowed_countries", ["CN"]))
    excluded = list(rules.get("excluded_regions", []))
    country = facts["application"]["residence_country"]
    region = facts["application"]["residence_region"]
    ok = country in allowed and region not in excluded
    return Step(
        "residency",
        PASS if ok else _on_failure(policy, "residency", "decline"),
        {"country": country, "region": region, "allowed": allowed, "excluded": excluded},
        "" if ok else "E02",
    )


def rule_identity(facts: Mapping, policy: Mapping) -> Step:
    """The declared name, national ID and phone against the borrower's verified record; an ID
    number whose check digit is wrong cannot be verified at all."""
    identity = facts["identity"]
    valid = bool(facts["application"]["national_id_valid"])
    mismatched = [name for name in ("name", "national_id", "mobile") if not identity[name]]
    inputs = {"national_id_valid": valid, "mismatched": mismatched}
    if not valid:
        return Step("identity", _on_failure(policy, "identity_invalid", "decline"), inputs, "E03")
    if mismatched:
        result = _on_failure(policy, "identity_mismatch", "refer")
        return Step("identity", result, inputs, "F03", f"mismatch: {', '.join(mismatched)}")
    return Step("identity", PASS, inputs)


def rule_block_list(facts: Mapping, policy: Mapping) -> Step:
    hits = sorted(facts["block_list"])
    result = _on_failure(policy, "block_list", "decline") if hits else PASS
    return Step("block_list", result, {"hits": hits}, "F01" if hits else "")


def _velocity(kind: str) -> Callable[[Mapping, Mapping], Step]:
    def rule(facts: Mapping, policy: Mapping) -> Step:
        fraud = policy.get("fraud", {})
        ceiling = int(fraud.get(f"max_per_{kind}", 3))
        count = int(facts["velocity"][kind])
        ok = count < ceiling
        return Step(
            f"velocity_{kind}",
            PASS if ok else _on_failure(policy, "velocity", "refer"),
            {"previous_in_window": count, "max": ceiling, "hours": facts["velocity"]["hours"]},
            "" if ok else "F02",
        )

    return rule


def rule_exposure(facts: Mapping, policy: Mapping) -> Step:
    """Credit already granted against the regulatory limit per borrower per lender."""
    product = facts["product"]
    exposure = Decimal(facts["exposure"]["unsecured"])
    headroom = limits.exposure_headroom(product["jurisdiction"], product["product_type"], exposure)
    inputs = {"exposure": str(exposure), "headroom": None if headroom is None else str(headroom)}
    if headroom is None:
        return Step("exposure", PASS, inputs, detail="no exposure limit for the product type")
    minimum = Decimal(product["min_amount"])
    ok = headroom >= minimum
    return Step(
        "exposure",
        PASS if ok else _on_failure(policy, "exposure", "decline"),
        {**inputs, "product_min": str(minimum)},
        "" if ok else "E04",
    )


def rule_term(facts: Mapping, policy: Mapping) -> Step:
    product = facts["product"]
    term = int(facts["application"]["requested_term"])
    inputs = {"term": term, "method": product["method"], "frequency": product["frequency"]}
    try:
        limits.term_check(
            jurisdiction=product["jurisdiction"],
            product_type=product["product_type"],
            method=product["method"],
            term=term,
            frequency=product["frequency"],
        )
    except limits.LimitBreach as exc:
        return Step("term", _on_failure(policy, "term", "decline"), inputs, "E05", exc.limit)
    return Step("term", PASS, inputs)


def rule_collateral(facts: Mapping, policy: Mapping) -> Step:
    product = facts["product"]
    collateral = limits.collateral_limit(product["jurisdiction"], product["product_type"])
    if collateral is None:
        return Step("collateral", PASS, {"secured": False})
    value = facts["application"].get("collateral", {}).get("cash_value")
    cash_value = Decimal(value) if value else Decimal("0")
    ceiling = limits.collateral_max_amount(
        jurisdiction=product["jurisdiction"],
        product_type=product["product_type"],
        cash_value=cash_value,
    )
    ok = ceiling >= Decimal(product["min_amount"])
    return Step(
        "collateral",
        PASS if ok else _on_failure(policy, "collateral", "decline"),
        {"cash_value": str(cash_value), "max_amount": str(ceiling), "limit": collateral.name},
        "" if ok else "E06",
    )


RULES: tuple[Callable[[Mapping, Mapping], Step], ...] = (
    rule_consents,
    rule_age,
    rule_residency,
    rule_identity,
    rule_block_list,
    _velocity("national_id"),
    _velocity("mobile"),
    _velocity("device"),
    rule_exposure,
    rule_term,
    rule_collateral,
)
"""The rules in the order the pipeline runs them (and the trail shows them)."""


def borrower_reasons(codes: list[str], scorecard_texts: Mapping[str, str]) -> list[str]:
    """The codes a borrower may be told, in order, without repeats (undisclosable → R99)."""
    told: list[str] = []
    for code in codes:
        known = code in scorecard_texts or code in REASONS
        shown = code if known and REASONS.get(code, ("", True))[1] else GENERIC_REASON
        if shown not in told:
            told.append(shown)
    return told


def reason_text(code: str, scorecard_texts: Mapping[str, str]) -> str:
    if code in REASONS:
        return REASONS[code][0]
    return scorecard_texts.get(code, REASONS[GENERIC_REASON][0])
