"""Credit policy versions: validated, published as data, immutable once a decision used them
(a new version is published instead), one active per policy code."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction

from origination.errors import PolicyError
from origination.models import (
    PolicyVersion,
)
from origination.policy_default import DEFAULT_POLICY, DEFAULT_POLICY_CODE
from origination.pricing import bands_from_policy
from origination.scorecard import Scorecard, ScorecardError
from origination.scoring import ScoringError, provider_for


def policy_validate(policy: Mapping) -> None:
    """Refuse a policy the pipeline cannot run (the message names the section)."""
    try:
        provider_for(policy.get("scoring", {}).get("provider"))
        Scorecard(policy["scorecard"])
        if not bands_from_policy(policy["bands"]):
            raise PolicyError("A policy needs at least one pricing band.")
        int(policy["decision"]["approve_min_score"])
        Decimal(str(policy["limits"]["rounding_unit"]))
    except (KeyError, TypeError, ValueError, ArithmeticError, ScorecardError, ScoringError) as exc:
        raise PolicyError(f"The policy is not valid: {exc!r}") from exc


def policy_version_publish(
    *, code: str, policy: Mapping, actor: str, description: str = "", activate: bool = True
) -> PolicyVersion:
    """Store a new version of a policy (the next number), optionally making it the active one.
    Versions are never edited once used: changes are new versions."""
    policy_validate(policy)
    with transaction.atomic():
        latest = (
            PolicyVersion.objects.select_for_update().filter(code=code).order_by("-version").first()
        )
        if activate:
            PolicyVersion.objects.filter(code=code, is_active=True).update(is_active=False)
        return PolicyVersion.objects.create(
            code=code,
            version=(latest.version + 1) if latest else 1,
            policy=dict(policy),
            description=description,
            is_active=activate,
            created_by=actor,
        )


def policy_version_active(*, code: str = DEFAULT_POLICY_CODE) -> PolicyVersion:
    """The active version of a policy; the default policy is published the first time."""
    version = PolicyVersion.objects.filter(code=code, is_active=True).first()
    if version is not None:
        return version
    if code != DEFAULT_POLICY_CODE:
        raise PolicyError(f"There is no active version of policy {code!r}.")
    return policy_version_publish(
        code=code, policy=DEFAULT_POLICY, actor="system", description="default policy"
    )
