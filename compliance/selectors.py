"""Reads of compliance data for the other apps."""

from __future__ import annotations

from calc.classification import DEFAULT_POLICY, ClassificationPolicy

from .models import ClassificationRule


class ClassificationPolicies(dict[str, ClassificationPolicy]):
    """Policies by product type; a type without a rule gets the default policy."""

    def __missing__(self, product_type: str) -> ClassificationPolicy:
        return DEFAULT_POLICY


def classification_policies() -> ClassificationPolicies:
    """Every product type's classification policy, in one query (the close calls it per chunk)."""
    return ClassificationPolicies(
        (rule.product_type, rule.policy()) for rule in ClassificationRule.objects.all()
    )
