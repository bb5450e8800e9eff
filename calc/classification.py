"""Loan risk classification (五级分类) and the provisions it requires, as data.

A standalone calculator: it imports nothing of the project, so the end-of-day close (in
``loans``) can call it, and the reports can explain a figure with the same rules.

Five categories, from days past due (DPD, counted after the product's grace days):

================ ============================ =================
category         default rule                 default provision
================ ============================ =================
normal (正常)     not overdue                  1% of principal
special_mention  overdue (DPD > 0)            2%
(关注)
substandard (次级) DPD > 90                     25%
doubtful (可疑)   DPD > 270                    50%
loss (损失)       DPD > 360                    100%
================ ============================ =================

A restructured loan (重组: a reschedule, re-age or payment holiday granted for the borrower's
difficulty) is classified at least substandard during its observation period, whatever its days
past due, and cannot move up before the period ends (the 2023 rules on the risk classification
of financial assets, 金融资产风险分类办法, art. 13 and 16: an observation period of at least one year
from the first repayment under the new terms). The period is data per jurisdiction
(``RESTRUCTURING_OBSERVATION_MONTHS``).

Thresholds and ratios are data (``ClassificationPolicy``); a product type can override them
(``compliance.models.ClassificationRule``). The provision required for a loan is its ratio
times the principal outstanding, rounded half-up to the minor unit; the close books the change
of the allowance from one day to the next.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "DEFAULT_POLICY",
    "DEFAULT_RATIOS",
    "RESTRUCTURING_OBSERVATION_MONTHS",
    "Category",
    "ClassificationError",
    "ClassificationPolicy",
    "classify",
    "observation_months",
    "required_allowance",
    "restructured_floor",
]

CENT = Decimal("0.01")


class ClassificationError(ValueError):
    """Thresholds or ratios that do not make a usable policy."""


class Category(StrEnum):
    NORMAL = "normal"
    SPECIAL_MENTION = "special_mention"
    SUBSTANDARD = "substandard"
    DOUBTFUL = "doubtful"
    LOSS = "loss"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Category.NORMAL: "Normal (正常)",
    Category.SPECIAL_MENTION: "Special mention (关注)",
    Category.SUBSTANDARD: "Substandard (次级)",
    Category.DOUBTFUL: "Doubtful (可疑)",
    Category.LOSS: "Loss (损失)",
}

DEFAULT_RATIOS: dict[Category, Decimal] = {
    Category.NORMAL: Decimal("0.01"),
    Category.SPECIAL_MENTION: Decimal("0.02"),
    Category.SUBSTANDARD: Decimal("0.25"),
    Category.DOUBTFUL: Decimal("0.50"),
    Category.LOSS: Decimal("1"),
}


@dataclass(frozen=True, slots=True)
class ClassificationPolicy:
    """Days-past-due thresholds (a loan is in a category when its DPD is *above* the threshold)
    and the provision ratio of each category (fractions of the principal outstanding)."""

    special_mention_after: int = 0
    substandard_after: int = 90
    doubtful_after: int = 270
    loss_after: int = 360
    ratios: dict[Category, Decimal] = field(default_factory=lambda: dict(DEFAULT_RATIOS))

    def __post_init__(self) -> None:
        thresholds = (
            self.special_mention_after,
            self.substandard_after,
            self.doubtful_after,
            self.loss_after,
        )
        if any(isinstance(t, bool) or not isinstance(t, int) or t < 0 for t in thresholds):
            raise ClassificationError(f"thresholds must be whole days >= 0, not {thresholds}")
        if list(thresholds) != sorted(thresholds):
            raise ClassificationError(
                f"thresholds must not decrease from special mention to loss: {thresholds}"
            )
        ratios = {Category(key): value for key, value in self.ratios.items()}
        missing = [category.value for category in Category if category not in ratios]
        if missing:
            raise ClassificationError(f"provision ratios missing for: {', '.join(missing)}")
        for category, ratio in ratios.items():
            if not isinstance(ratio, Decimal) or not Decimal(0) <= ratio <= Decimal(1):
                raise ClassificationError(
                    f"the {category.value} ratio must be a Decimal from 0 to 1, not {ratio!r}"
                )
        object.__setattr__(self, "ratios", ratios)

    def classify(self, days_past_due: int) -> Category:
        if days_past_due > self.loss_after:
            return Category.LOSS
        if days_past_due > self.doubtful_after:
            return Category.DOUBTFUL
        if days_past_due > self.substandard_after:
            return Category.SUBSTANDARD
        if days_past_due > self.special_mention_after:
            return Category.SPECIAL_MENTION
        return Category.NORMAL

    def ratio(self, category: Category | str) -> Decimal:
        return self.ratios[Category(category)]

    def required_allowance(
        self, principal_outstanding: Decimal, category: Category | str, minor_unit: Decimal = CENT
    ) -> Decimal:
        """The allowance a loan needs: ratio × principal outstanding (never below zero),
        rounded half-up to the minor unit."""
        if principal_outstanding <= 0:
            return Decimal(0).quantize(minor_unit)
        amount = principal_outstanding * self.ratio(category)
        return amount.quantize(minor_unit, rounding=decimal.ROUND_HALF_UP)


DEFAULT_POLICY = ClassificationPolicy()

ORDER = tuple(Category)
RESTRUCTURING_OBSERVATION_MONTHS: dict[str, int] = {"CN": 12}
"""Months a restructured loan stays at least substandard, per jurisdiction (default 12)."""


def observation_months(jurisdiction: str) -> int:
    return RESTRUCTURING_OBSERVATION_MONTHS.get(jurisdiction, 12)


def restructured_floor(category: Category | str) -> Category:
    """A category no better than substandard (a restructured loan under observation)."""
    category = Category(category)
    return max(category, Category.SUBSTANDARD, key=ORDER.index)


def classify(days_past_due: int, policy: ClassificationPolicy = DEFAULT_POLICY) -> Category:
    """The category of a loan ``days_past_due`` days past due under ``policy``."""
    return policy.classify(days_past_due)


def required_allowance(
    principal_outstanding: Decimal,
    category: Category | str,
    policy: ClassificationPolicy = DEFAULT_POLICY,
    minor_unit: Decimal = CENT,
) -> Decimal:
    return policy.required_allowance(principal_outstanding, category, minor_unit)
