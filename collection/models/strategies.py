import re
from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collection.rules import CHANNELS
from core.choices import value_choices

PLACEHOLDERS = ("lender", "reference", "amount", "currency", "days_past_due", "due_date", "name")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Strategy(models.Model):
    """Escalation by days past due: which step happens when. Editable in the admin; the default
    one ships as data (migration 0002)."""

    name = models.CharField(max_length=80, unique=True, verbose_name=_("name"))
    jurisdiction = models.CharField(
        max_length=8,
        blank=True,
        help_text=_("Blank: any jurisdiction without its own default."),
        verbose_name=_("jurisdiction"),
    )
    is_default = models.BooleanField(default=False, verbose_name=_("is default"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    contact_time = models.TimeField(
        default=time(9, 0),
        help_text=_("Local time (the borrower's) at which steps are due."),
        verbose_name=_("contact time"),
    )
    description = models.TextField(blank=True, verbose_name=_("description"))

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction"],
                condition=Q(is_default=True),
                name="collection_one_default_strategy",
            )
        ]

    def __str__(self) -> str:
        return self.name


class StrategyStep(models.Model):
    """One step: an action for cases whose days past due fall in [dpd_from, dpd_to].

    A negative range is a reminder before the next installment's due date (-3..-1: one to three
    days before). A step without `repeat_every_days` happens once per case (on the first close
    that finds the case in range); with it, every that many days while in range.
    """

    class Action(models.TextChoices):
        REMINDER = "reminder", _("Reminder message")
        MESSAGE = "message", _("Collection message")
        CALL = "call", _("Call task")
        LETTER = "letter", _("Formal letter")
        AGENCY_REFERRAL = "agency_referral", _("Agency referral")
        LEGAL_REVIEW = "legal_review", _("Legal review")

    INTERNAL_ACTIONS = (Action.AGENCY_REFERRAL, Action.LEGAL_REVIEW)

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="steps", verbose_name=_("strategy")
    )
    name = models.CharField(max_length=64, verbose_name=_("name"))
    action = models.CharField(max_length=20, choices=Action.choices, verbose_name=_("action"))
    channel = models.CharField(
        max_length=12,
        choices=value_choices(CHANNELS),
        blank=True,
        help_text=_("Blank for internal steps (agency referral, legal review)."),
        verbose_name=_("channel"),
    )
    dpd_from = models.IntegerField(verbose_name=_("DPD from"))
    dpd_to = models.IntegerField(
        null=True, blank=True, help_text=_("Blank: no upper bound."), verbose_name=_("DPD to")
    )
    repeat_every_days = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("repeat every days")
    )
    template = models.TextField(
        blank=True,
        help_text=format_lazy(
            "{} {}", _("Placeholders:"), ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        ),
        verbose_name=_("template"),
    )
    required_notice = models.BooleanField(
        default=False,
        help_text=_("A notice the law requires: sent despite cease-contact/dispute."),
        verbose_name=_("required notice"),
    )
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("order"))

    class Meta:
        verbose_name = _("strategy step")
        verbose_name_plural = _("strategy steps")
        ordering = ["strategy", "order", "dpd_from"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "name"], name="collection_step_name_uniq"),
            models.CheckConstraint(
                condition=Q(dpd_to__isnull=True) | Q(dpd_to__gte=models.F("dpd_from")),
                name="collection_step_range",
            ),
        ]

    def __str__(self) -> str:
        upper = "" if self.dpd_to is None else self.dpd_to
        return f"{self.name} ({self.dpd_from}..{upper})"

    @property
    def is_internal(self) -> bool:
        return self.action in self.INTERNAL_ACTIONS

    @property
    def is_pre_due(self) -> bool:
        return self.dpd_to is not None and self.dpd_to < 0

    def clean(self) -> None:
        if self.is_internal and self.channel:
            raise ValidationError({"channel": "Internal steps contact no one: leave it blank."})
        if not self.is_internal and not self.channel:
            raise ValidationError({"channel": "A contact step needs a channel."})
        if self.dpd_from < 0 and (self.dpd_to is None or self.dpd_to >= 0):
            raise ValidationError({"dpd_to": "A pre-due range must end before day 0."})
        unknown = set(_PLACEHOLDER.findall(self.template)) - set(PLACEHOLDERS)
        if unknown:
            raise ValidationError({"template": f"Unknown placeholders: {sorted(unknown)}"})


class ScheduledAction(models.Model):
    """A strategy step due for one case. Deferred actions move (`due_at`), they are never
    dropped; `occurrence` makes scheduling idempotent (the days past due of a repeating step,
    the due date's ordinal of a pre-due reminder, 0 for a once-per-case step)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked by the guard")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey(
        "collection.CollectionCase",
        on_delete=models.PROTECT,
        related_name="scheduled_actions",
        verbose_name=_("case"),
    )
    step = models.ForeignKey(
        StrategyStep, on_delete=models.PROTECT, related_name="+", verbose_name=_("step")
    )
    occurrence = models.IntegerField(default=0, verbose_name=_("occurrence"))
    scheduled_on = models.DateField(
        help_text=_("Business date of the close that scheduled it."), verbose_name=_("scheduled on")
    )
    due_at = models.DateTimeField(verbose_name=_("due at"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text=_("Sends tried."), verbose_name=_("attempts")
    )
    deferrals = models.PositiveSmallIntegerField(default=0, verbose_name=_("deferrals"))
    last_rule = models.CharField(max_length=40, blank=True, verbose_name=_("last rule"))
    last_reason = models.CharField(max_length=255, blank=True, verbose_name=_("last reason"))
    executed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("executed at"))
    contact_attempt = models.ForeignKey(
        "collection.ContactAttempt",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact attempt"),
    )

    class Meta:
        verbose_name = _("scheduled action")
        verbose_name_plural = _("scheduled actions")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "step", "occurrence"], name="collection_action_once"
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="collection_action_due_idx")]

    def __str__(self) -> str:
        return gettext("%(step)s for case %(case)s at %(at)s") % {
            "step": self.step.name,
            "case": self.case_id,
            "at": f"{self.due_at:%Y-%m-%d %H:%M}",
        }
