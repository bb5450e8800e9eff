"""Stored decisions: replayed through the policy version that made them, and the reasons a
borrower is told."""

from __future__ import annotations

from origination.models import (
    DecisionRecord,
)
from origination.pipeline import Evaluation, evaluate
from origination.rules import reason_text


def decision_replay(*, decision: DecisionRecord) -> Evaluation:
    """Re-run a stored decision's inputs through its policy version (nothing is written)."""
    return evaluate(decision.inputs, decision.policy_version.policy)


def decision_reproduces(*, decision: DecisionRecord) -> bool:
    return decision_replay(decision=decision).fingerprint == decision.fingerprint


def decision_reasons(*, decision: DecisionRecord) -> list[dict[str, str]]:
    """The reasons a borrower is told, with their texts (scorecard texts from the policy)."""
    characteristics = decision.policy_version.policy.get("scorecard", {}).get("characteristics", [])
    texts = {str(c["reason_code"]): str(c.get("reason", c["name"])) for c in characteristics}
    return [{"code": code, "text": reason_text(code, texts)} for code in decision.reason_codes]
