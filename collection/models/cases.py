from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from loans.models import Borrower, Loan


def bucket_for(days_past_due: int) -> str:
    """Delinquency bucket (glossary: M1 1-30, M2 31-60, M3 61-90, M3+ beyond)."""
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "M1"
    if days_past_due <= 60:
        return "M2"
    if days_past_due <= 90:
        return "M3"
    return "M3+"


class CollectionCase(models.Model):
    """One delinquency episode of one loan: opened when the loan becomes delinquent, closed
    when it is cured, paid off or charged off (a charged-off loan passes to recovery)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        CURED = "cured", _("Cured")
        PAID_OFF = "paid_off", _("Paid off")
        CHARGED_OFF = "charged_off", _("Charged off (to recovery)")
        LOAN_CLOSED = "loan_closed", _("Loan closed")
        CANCELLED = "cancelled", _("Loan cancelled")

    class Queue(models.TextChoices):
        EARLY = "early", _("Early (M1)")
        MID = "mid", _("Mid (M2)")
        LATE = "late", _("Late (M3+)")
        AGENCY = "agency", _("Agency")
        LEGAL = "legal", _("Legal review")

    # Queues a strategy step escalated to; the daily refresh never moves a case back out.
    ESCALATED_QUEUES = (Queue.AGENCY, Queue.LEGAL)

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="collection_cases", verbose_name=_("loan")
    )
    borrower = models.ForeignKey(
        Borrower,
        on_delete=models.PROTECT,
        related_name="collection_cases",
        verbose_name=_("borrower"),
    )
    strategy = models.ForeignKey(
        "collection.Strategy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("strategy"),
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    opened_on = models.DateField(verbose_name=_("opened on"))
    closed_on = models.DateField(null=True, blank=True, verbose_name=_("closed on"))
    close_reason = models.CharField(
        max_length=16, choices=CloseReason.choices, blank=True, verbose_name=_("close reason")
    )
    recovery_referred_on = models.DateField(
        null=True, blank=True, verbose_name=_("recovery referred on")
    )

    days_past_due = models.PositiveIntegerField(default=0, verbose_name=_("days past due"))
    peak_days_past_due = models.PositiveIntegerField(
        default=0, verbose_name=_("peak days past due")
    )
    bucket = models.CharField(max_length=8, default="current", verbose_name=_("bucket"))
    queue = models.CharField(
        max_length=8, choices=Queue.choices, default=Queue.EARLY, verbose_name=_("queue")
    )
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collection_cases",
        verbose_name=_("assigned agent"),
    )
    priority = models.IntegerField(
        default=0, help_text=_("Higher is worked first."), verbose_name=_("priority")
    )
    next_action_date = models.DateField(null=True, blank=True, verbose_name=_("next action date"))
    next_action = models.CharField(max_length=64, blank=True, verbose_name=_("next action"))

    cease_contact = models.BooleanField(
        default=False,
        help_text=_("The borrower asked to stop contact: required notices only."),
        verbose_name=_("cease contact"),
    )
    disputed = models.BooleanField(
        default=False,
        help_text=_("The borrower disputes the debt: required notices only."),
        verbose_name=_("disputed"),
    )

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("collection case")
        verbose_name_plural = _("collection cases")
        ordering = ["-priority", "next_action_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=Q(status="open"), name="collection_one_open_case"
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "assigned_agent", "-priority", "next_action_date"],
                name="collection_case_queue_idx",
            ),
            models.Index(fields=["borrower", "status"], name="collection_case_borrower_idx"),
            models.Index(fields=["closed_on", "close_reason"], name="collection_case_closed_idx"),
        ]
        permissions = [("work_case", "Can log attempts and record promises on a case")]

    def __str__(self) -> str:
        return gettext("Case %(case)s · loan %(loan)s · %(bucket)s") % {
            "case": self.pk,
            "loan": self.loan_id,
            "bucket": self.bucket,
        }

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class CollectorQueueCase(CollectionCase):
    """The collector's own queue in the admin: their open cases, most urgent first."""

    class Meta:
        verbose_name = _("my case")
        verbose_name_plural = _("my queue")
        proxy = True
