from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
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
        "collection.CollectionCase",
        on_delete=models.PROTECT,
        related_name="attempts",
        verbose_name=_("case"),
    )
    channel = models.CharField(
        max_length=12, choices=value_choices(CHANNELS), verbose_name=_("channel")
    )
    target = models.CharField(
        max_length=20,
        choices=value_choices(Target),
        default=Target.BORROWER.value,
        verbose_name=_("target"),
    )
    purpose = models.CharField(
        max_length=20,
        choices=value_choices(Purpose),
        default=Purpose.COLLECTION.value,
        verbose_name=_("purpose"),
    )
    attempted_at = models.DateTimeField(db_index=True, verbose_name=_("attempted at"))
    allowed = models.BooleanField(verbose_name=_("allowed"))
    decision = models.CharField(max_length=8, choices=Decision.choices, verbose_name=_("decision"))
    blocked_by = models.CharField(
        max_length=40, blank=True, db_index=True, verbose_name=_("blocked by")
    )
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    deferred_until = models.DateTimeField(null=True, blank=True, verbose_name=_("deferred until"))
    ruleset = models.CharField(max_length=40, verbose_name=_("ruleset"))

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_attempts",
        verbose_name=_("agent"),
    )
    template = models.CharField(
        max_length=64, blank=True, help_text=_("Strategy step, if any."), verbose_name=_("template")
    )
    message = models.TextField(blank=True, verbose_name=_("message"))
    amount_demanded = models.DecimalField(
        **AMOUNT, null=True, blank=True, verbose_name=_("amount demanded")
    )
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, blank=True, verbose_name=_("outcome")
    )
    is_effective_interaction = models.BooleanField(
        null=True,
        blank=True,
        help_text=_("Calls: the person was reached and spoke. Blank: unknown."),
        verbose_name=_("is effective interaction"),
    )
    outcome_recorded_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("outcome recorded at")
    )
    scheduled_action = models.ForeignKey(
        "collection.ScheduledAction",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scheduled action"),
    )
    retain_until = models.DateField(verbose_name=_("retain until"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
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
        verdict = (
            gettext("allowed")
            if self.allowed
            else gettext("blocked by %(rule)s") % {"rule": self.blocked_by}
        )
        return gettext("%(channel)s to %(target)s at %(at)s (%(verdict)s)") % {
            "channel": self.get_channel_display(),
            "target": self.get_target_display(),
            "at": f"{self.attempted_at:%Y-%m-%d %H:%M}",
            "verdict": verdict,
        }


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
        "collection.CollectionCase",
        on_delete=models.PROTECT,
        related_name="promises",
        verbose_name=_("case"),
    )
    amount = models.DecimalField(**AMOUNT, verbose_name=_("amount"))
    promised_date = models.DateField(verbose_name=_("promised date"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    made_on = models.DateField(
        help_text=_("Business date the promise was made."), verbose_name=_("made on")
    )
    baseline_paid = models.DecimalField(
        **AMOUNT,
        default=ZERO,
        help_text=_("Paid on the loan's installments when it was made."),
        verbose_name=_("baseline paid"),
    )
    paid_since = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("paid since"))
    bucket = models.CharField(
        max_length=8,
        blank=True,
        help_text=_("The case's delinquency bucket when it was made."),
        verbose_name=_("bucket"),
    )
    step = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("The strategy step being worked when it was made."),
        verbose_name=_("step"),
    )
    resolved_on = models.DateField(null=True, blank=True, verbose_name=_("resolved on"))
    contact_attempt = models.ForeignKey(
        ContactAttempt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="promises",
        verbose_name=_("contact attempt"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        ordering = ["-made_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="open"), name="collection_one_open_promise"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="collection_promise_positive"),
        ]
        indexes = [models.Index(fields=["status", "promised_date"], name="collection_ptp_idx")]

    def __str__(self) -> str:
        return gettext("%(amount)s by %(date)s (%(status)s)") % {
            "amount": self.amount,
            "date": self.promised_date,
            "status": self.get_status_display(),
        }
