from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from collection.rules import CHANNELS, Purpose, Target
from core.choices import value_choices
from core.money import AMOUNT, ZERO

ATTEMPT_RETENTION_YEARS = 5
"""Every attempt, allowed or blocked, is kept this long (CN 2025 standard). No code path
deletes attempts; on PostgreSQL a trigger (migration 0003) refuses a DELETE before
`retain_until` and any change to what was decided."""


class ContactAttempt(models.Model):
    """One contact attempt and the guard's decision on it, whatever the decision was."""

    class Decision(models.TextChoices):
        ALLOW = "allow", _("Allowed")
        DENY = "deny", _("Denied")
        DEFER = "defer", _("Deferred")

    class Outcome(models.TextChoices):
        PENDING = "", _("Not recorded yet")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        UNREACHABLE = "unreachable", _("Unreachable")
        LEFT_MESSAGE = "left_message", _("Left a message")
        CONNECTED = "connected", _("Spoke with the person")
        PROMISE_MADE = "promise_made", _("Promise to pay made")
        REFUSED_TO_PAY = "refused_to_pay", _("Refused to pay")

    case = models.ForeignKey(
        "collection.CollectionCase", on_delete=models.PROTECT, related_name="attempts"
    )
    channel = models.CharField(max_length=12, choices=value_choices(CHANNELS))
    target = models.CharField(
        max_length=20, choices=value_choices(Target), default=Target.BORROWER.value
    )
    purpose = models.CharField(
        max_length=20, choices=value_choices(Purpose), default=Purpose.COLLECTION.value
    )
    attempted_at = models.DateTimeField(db_index=True)
    allowed = models.BooleanField()
    decision = models.CharField(max_length=8, choices=Decision.choices)
    blocked_by = models.CharField(max_length=40, blank=True, db_index=True)
    reason = models.CharField(max_length=255, blank=True)
    deferred_until = models.DateTimeField(null=True, blank=True)
    ruleset = models.CharField(max_length=40)

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_attempts",
    )
    template = models.CharField(max_length=64, blank=True, help_text="Strategy step, if any.")
    message = models.TextField(blank=True)
    amount_demanded = models.DecimalField(**AMOUNT, null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    is_effective_interaction = models.BooleanField(
        null=True, blank=True, help_text="Calls: the person was reached and spoke. Blank: unknown."
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    scheduled_action = models.ForeignKey(
        "collection.ScheduledAction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    retain_until = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [
            models.Index(fields=["case", "attempted_at"], name="collection_attempt_case_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(allowed=True, decision="allow", blocked_by="")
                | (Q(allowed=False) & ~Q(decision="allow") & ~Q(blocked_by="")),
                name="collection_attempt_decision_consistent",
            )
        ]

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else f"blocked by {self.blocked_by}"
        return f"{self.channel} to {self.target} at {self.attempted_at:%Y-%m-%d %H:%M} ({verdict})"


class PromiseToPay(models.Model):
    """A borrower's promise to pay `amount` by `promised_date`. While open, the case gets
    reminders only; kept when paid (installment payments since it was made reach the amount),
    partly kept when the date passes with some of it paid, broken when it passes with nothing
    paid. A promise not kept raises the case's next strategy step; the strategy resumes."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT = "kept", _("Kept")
        PARTIAL = "partial", _("Partly kept")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    NOT_KEPT = (Status.PARTIAL, Status.BROKEN)

    case = models.ForeignKey(
        "collection.CollectionCase", on_delete=models.PROTECT, related_name="promises"
    )
    amount = models.DecimalField(**AMOUNT)
    promised_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    made_on = models.DateField(help_text="Business date the promise was made.")
    baseline_paid = models.DecimalField(
        **AMOUNT, default=ZERO, help_text="Paid on the loan's installments when it was made."
    )
    paid_since = models.DecimalField(**AMOUNT, default=ZERO)
    bucket = models.CharField(
        max_length=8, blank=True, help_text="The case's delinquency bucket when it was made."
    )
    step = models.CharField(
        max_length=64, blank=True, help_text="The strategy step being worked when it was made."
    )
    resolved_on = models.DateField(null=True, blank=True)
    contact_attempt = models.ForeignKey(
        ContactAttempt, on_delete=models.PROTECT, null=True, blank=True, related_name="promises"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-made_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="open"), name="collection_one_open_promise"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="collection_promise_positive"),
        ]
        indexes = [models.Index(fields=["status", "promised_date"], name="collection_ptp_idx")]

    def __str__(self) -> str:
        return f"{self.amount} by {self.promised_date} ({self.status})"
