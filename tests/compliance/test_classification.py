"""Five-category classification and provisioning rules (calc.classification)."""

from decimal import Decimal

import pytest

from calc.classification import (
    DEFAULT_POLICY,
    Category,
    ClassificationError,
    ClassificationPolicy,
    classify,
    required_allowance,
)
from compliance.models import ClassificationRule
from compliance.selectors import classification_policies


@pytest.mark.parametrize(
    ("days_past_due", "category"),
    [
        (0, Category.NORMAL),
        (1, Category.SPECIAL_MENTION),
        (90, Category.SPECIAL_MENTION),
        (91, Category.SUBSTANDARD),
        (270, Category.SUBSTANDARD),
        (271, Category.DOUBTFUL),
        (360, Category.DOUBTFUL),
        (361, Category.LOSS),
        (5000, Category.LOSS),
    ],
)
def test_default_thresholds_at_their_boundaries(days_past_due, category):
    assert classify(days_past_due) is category


def test_default_ratios_give_the_required_allowance():
    principal = Decimal("10000.00")
    expected = {
        Category.NORMAL: Decimal("100.00"),
        Category.SPECIAL_MENTION: Decimal("200.00"),
        Category.SUBSTANDARD: Decimal("2500.00"),
        Category.DOUBTFUL: Decimal("5000.00"),
        Category.LOSS: Decimal("10000.00"),
    }
    for category, amount in expected.items():
        assert required_allowance(principal, category) == amount


def test_allowance_rounds_half_up_and_is_never_negative():
    assert required_allowance(Decimal("0.50"), Category.NORMAL) == Decimal("0.01")
    assert required_allowance(Decimal("0.49"), Category.NORMAL) == Decimal("0.00")
    assert required_allowance(Decimal("-5.00"), Category.LOSS) == Decimal("0.00")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"substandard_after": 10, "special_mention_after": 20},
        {"loss_after": -1},
        {"ratios": {Category.NORMAL: Decimal("0.01")}},
        {"ratios": {**DEFAULT_POLICY.ratios, Category.LOSS: Decimal("1.5")}},
    ],
)
def test_incoherent_policies_are_refused(kwargs):
    with pytest.raises(ClassificationError):
        ClassificationPolicy(**kwargs)


@pytest.mark.django_db
def test_a_product_type_can_override_thresholds_and_ratios():
    ClassificationRule.objects.create(
        product_type="ecommerce_installment",
        substandard_after=60,
        special_mention_ratio=Decimal("0.05"),
    )
    policies = classification_policies()
    ecommerce = policies["ecommerce_installment"]
    assert ecommerce.classify(61) is Category.SUBSTANDARD
    assert ecommerce.ratio(Category.SPECIAL_MENTION) == Decimal("0.05")
    assert policies["cash_loan"] is DEFAULT_POLICY
