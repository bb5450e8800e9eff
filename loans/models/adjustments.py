"""Maker-checker requests for manual adjustments of a loan's balances.

An ``AdjustmentRequest`` only moves from pending to applied or rejected, and the database refuses
a decision by the user who asked for it. It changes balances, so it belongs with the loans (it
was in compliance, which must not change balances; its table kept its name).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT


class AdjustmentRequest(models.Model):
    """A manual adjustment one staff user asks for and a different one approves (or rejects)."""

    class Kind(models.TextChoices):
        WAIVE_FEE = "waive_fee", _("Waive fees")
        WAIVE_PENALTY = "waive_penalty", _("Waive penalty interest")
        CORRECT_REPAYMENT = "correct_repayment", _("Correct a repayment")
        WRITE_OFF = "write_off", _("Write off the loan")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPLIED = "applied", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    loan = models.ForeignKey(
        "loans.Loan", on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("loan")
    )
    kind = models.CharField(max_length=24, choices=Kind.choices, verbose_name=_("kind"))
    amount = models.DecimalField(
        **AMOUNT,
        null=True,
        blank=True,
        help_text=_(
            "Waivers: the amount to waive. Corrections: the amount the repayment should "
            "have been (0 to cancel it). Write-offs: empty (everything open)."
        ),
        verbose_name=_("amount"),
    )
    repayment_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text=_("Corrections: the repayment to correct."),
        verbose_name=_("repayment ID"),
    )
    reason = models.TextField(verbose_name=_("reason"))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="adjustments_requested",
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
        related_name="adjustments_decided",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.CharField(max_length=255, blank=True, verbose_name=_("decision note"))
    result = models.JSONField(
        default=dict, blank=True, help_text=_("What applying it posted."), verbose_name=_("result")
    )

    class Meta:
        verbose_name = _("adjustment request")
        verbose_name_plural = _("adjustment requests")
        db_table = "compliance_adjustmentrequest"
        ordering = ["-requested_at", "-id"]
        permissions = [
            ("approve_adjustmentrequest", "Can approve or reject another user's adjustment"),
        ]
        constraints = [
            # Maker-checker in the database: nobody decides their own request.
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | ~models.Q(decided_by=models.F("requested_by")),
                name="adjustment_checker_not_maker",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(decided_by__isnull=False),
                name="adjustment_decided_has_checker",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s on loan %(loan)s (%(status)s)") % {
            "kind": self.get_kind_display(),
            "loan": self.loan_id,
            "status": self.get_status_display(),
        }
