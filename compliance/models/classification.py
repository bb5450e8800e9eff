"""Compliance data the other apps read: per product type overrides of the classification rules."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from calc.classification import DEFAULT_POLICY, Category, ClassificationError, ClassificationPolicy
from core.money import RATE


def _default_ratio(category: Category) -> Decimal:
    return DEFAULT_POLICY.ratio(category)


class ClassificationRule(models.Model):
    """Thresholds (days past due) and provision ratios for one product type; product types
    without a rule use ``calc.classification.DEFAULT_POLICY``."""

    product_type = models.CharField(
        max_length=32,
        unique=True,
        help_text=_("A loan product type, e.g. cash_loan."),
        verbose_name=_("product type"),
    )
    special_mention_after = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY.special_mention_after,
        help_text=_("Special mention (关注) when days past due exceed this."),
        verbose_name=_("special mention after"),
    )
    substandard_after = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY.substandard_after,
        help_text=_("Substandard (次级) when days past due exceed this."),
        verbose_name=_("substandard after"),
    )
    doubtful_after = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY.doubtful_after,
        help_text=_("Doubtful (可疑) when days past due exceed this."),
        verbose_name=_("doubtful after"),
    )
    loss_after = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY.loss_after,
        help_text=_("Loss (损失) when days past due exceed this."),
        verbose_name=_("loss after"),
    )
    normal_ratio = models.DecimalField(
        **RATE, default=_default_ratio(Category.NORMAL), verbose_name=_("normal ratio")
    )
    special_mention_ratio = models.DecimalField(
        **RATE,
        default=_default_ratio(Category.SPECIAL_MENTION),
        verbose_name=_("special mention ratio"),
    )
    substandard_ratio = models.DecimalField(
        **RATE, default=_default_ratio(Category.SUBSTANDARD), verbose_name=_("substandard ratio")
    )
    doubtful_ratio = models.DecimalField(
        **RATE, default=_default_ratio(Category.DOUBTFUL), verbose_name=_("doubtful ratio")
    )
    loss_ratio = models.DecimalField(
        **RATE, default=_default_ratio(Category.LOSS), verbose_name=_("loss ratio")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("classification rule")
        verbose_name_plural = _("classification rules")
        ordering = ["product_type"]

    def __str__(self) -> str:
        return gettext("Classification rule for %(type)s") % {"type": self.product_type}

    def policy(self) -> ClassificationPolicy:
        return ClassificationPolicy(
            special_mention_after=self.special_mention_after,
            substandard_after=self.substandard_after,
            doubtful_after=self.doubtful_after,
            loss_after=self.loss_after,
            ratios={
                Category.NORMAL: Decimal(self.normal_ratio),
                Category.SPECIAL_MENTION: Decimal(self.special_mention_ratio),
                Category.SUBSTANDARD: Decimal(self.substandard_ratio),
                Category.DOUBTFUL: Decimal(self.doubtful_ratio),
                Category.LOSS: Decimal(self.loss_ratio),
            },
        )

    def clean(self) -> None:
        try:
            self.policy()
        except ClassificationError as exc:
            raise ValidationError(str(exc)) from exc
