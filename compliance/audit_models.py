"""The audit trail of staff actions and the maker-checker requests for manual adjustments.

Both are append-only records of who did what: an ``AuditEvent`` is never changed (PostgreSQL
refuses ``UPDATE`` and ``DELETE`` of its rows, migration ``audit_0002``); an
``AdjustmentRequest`` only moves from pending to applied or rejected, and the database refuses a
decision by the user who asked for it.
"""

from django.conf import settings
from django.db import models

AMOUNT = {"max_digits": 20, "decimal_places": 2}


class AuditEvent(models.Model):
    """One staff action: who, what, on which object, the object before and after, when."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    actor_username = models.CharField(
        max_length=150, help_text="As it was when the action was taken."
    )
    action = models.CharField(max_length=64, db_index=True, help_text="e.g. loan.approve")
    object_type = models.CharField(max_length=100, help_text="app_label.model")
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=16, default="admin", help_text="admin, api or command")
    business_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_repr}"


class AdjustmentRequest(models.Model):
    """A manual adjustment one staff user asks for and a different one approves (or rejects)."""

    class Kind(models.TextChoices):
        WAIVE_FEE = "waive_fee", "Waive fees"
        WAIVE_PENALTY = "waive_penalty", "Waive penalty interest"
        CORRECT_REPAYMENT = "correct_repayment", "Correct a repayment"
        WRITE_OFF = "write_off", "Write off the loan"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPLIED = "applied", "Approved and applied"
        REJECTED = "rejected", "Rejected"

    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    amount = models.DecimalField(
        **AMOUNT,
        null=True,
        blank=True,
        help_text="Waivers: the amount to waive. Corrections: the amount the repayment should "
        "have been (0 to cancel it). Write-offs: empty (everything open).",
    )
    repayment_id = models.BigIntegerField(
        null=True, blank=True, help_text="Corrections: the repayment to correct."
    )
    reason = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjustments_requested"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    business_date = models.DateField(help_text="The business date it was requested on.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustments_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=255, blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="What applying it posted.")

    class Meta:
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
        return f"{self.get_kind_display()} on {self.loan_id} ({self.status})"
