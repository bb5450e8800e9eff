from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from loans.models import Loan


class LoanStage(models.Model):
    """A loan's IFRS 9 stage as the last close left it (`compliance.ecl.staging`), and the
    watch-list flag credit risk staff set (a stage-2 trigger)."""

    loan = models.OneToOneField(
        Loan, on_delete=models.PROTECT, related_name="ecl_stage", verbose_name=_("loan")
    )
    stage = models.PositiveSmallIntegerField(default=1, verbose_name=_("stage"))
    reason = models.CharField(max_length=120, blank=True, verbose_name=_("reason"))
    since = models.DateField(
        help_text=_("Business date the loan entered its stage."), verbose_name=_("stage since")
    )
    better_since = models.DateField(
        null=True,
        blank=True,
        help_text=_("Business date from which it has met a better stage's conditions (cure)."),
        verbose_name=_("better since"),
    )
    watch_list = models.BooleanField(default=False, verbose_name=_("watch list"))

    class Meta:
        verbose_name = _("loan stage")
        verbose_name_plural = _("loan stages")
        ordering = ["loan_id"]

    def __str__(self) -> str:
        return gettext("loan %(loan)s: stage %(stage)s") % {
            "loan": self.loan_id,
            "stage": self.stage,
        }


class StageChange(models.Model):
    """One move between stages, with its reason (the staging log)."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="stage_changes", verbose_name=_("loan")
    )
    business_date = models.DateField(verbose_name=_("business date"))
    from_stage = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("from stage")
    )
    to_stage = models.PositiveSmallIntegerField(verbose_name=_("to stage"))
    reason = models.CharField(max_length=120, verbose_name=_("reason"))

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["loan_id", "business_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "business_date"], name="stage_change_once_a_day"
            ),
        ]
        indexes = [models.Index(fields=["business_date"], name="stage_change_date_idx")]

    def __str__(self) -> str:
        return gettext("loan %(loan)s on %(date)s: stage %(from)s → %(to)s") % {
            "loan": self.loan_id,
            "date": self.business_date,
            "from": self.from_stage or "—",
            "to": self.to_stage,
        }


class RollCount(models.Model):
    """How many open loans of a product moved from one (status, bucket) at one month-end capture
    to another at the next: counted once per pair of captures and kept, since a capture never
    changes (`compliance.ecl.roll_counts`). A month captured again is a new capture, and the
    old one's counts go with it."""

    before = models.ForeignKey(
        "compliance.MonthEndCapture",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("from capture"),
    )
    after = models.ForeignKey(
        "compliance.MonthEndCapture",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("to capture"),
    )
    product = models.ForeignKey(
        "loans.Product",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("product"),
    )
    status = models.CharField(max_length=16, verbose_name=_("status"))
    bucket = models.CharField(max_length=8, verbose_name=_("delinquency bucket"))
    status_after = models.CharField(max_length=16, verbose_name=_("status after"))
    bucket_after = models.CharField(max_length=8, verbose_name=_("delinquency bucket after"))
    loans = models.PositiveIntegerField(verbose_name=_("loan count"))

    class Meta:
        verbose_name = _("roll count")
        verbose_name_plural = _("roll counts")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "before",
                    "after",
                    "product",
                    "status",
                    "bucket",
                    "status_after",
                    "bucket_after",
                ],
                name="roll_count_once",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(loans)s loans: %(bucket)s → %(bucket_after)s") % {
            "loans": self.loans,
            "bucket": self.bucket,
            "bucket_after": self.bucket_after,
        }
