"""A borrower's request to be paid back what the lender holds for them beyond what was owed
(2241). Staff approve it, which posts the refund through the ledger, or reject it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT


class RefundRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        REFUNDED = "refunded", _("Approved and refunded")
        REJECTED = "rejected", _("Rejected")

    loan = models.ForeignKey(
        "loans.Loan",
        on_delete=models.PROTECT,
        related_name="refund_requests",
        verbose_name=_("loan"),
    )
    amount = models.DecimalField(**AMOUNT, verbose_name=_("amount"))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="refunds_requested",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(auto_now_add=True, verbose_name=_("requested at"))
    business_date = models.DateField(
        help_text=_("The business date it was requested on."), verbose_name=_("business date")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds_decided",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.CharField(max_length=255, blank=True, verbose_name=_("decision note"))
    refund = models.OneToOneField(
        "loans.Repayment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refund_request",
        help_text=_("The refund the approval posted."),
        verbose_name=_("refund"),
    )

    class Meta:
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        ordering = ["-requested_at", "-id"]
        permissions = [("approve_refundrequest", "Can approve or reject a borrower's refund")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="refund_request_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refunded") | models.Q(refund__isnull=False),
                name="refund_request_refunded_has_refund",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Refund of %(amount)s on loan %(loan)s (%(status)s)") % {
            "amount": self.amount,
            "loan": self.loan_id,
            "status": self.get_status_display(),
        }
