"""The outbox: one row per domain event, written in the transaction of the change it reports.

An event is a CloudEvents 1.0 envelope. Its `position` (the primary key) is the stream's
cursor; its `sequence` numbers the events of one subject (a loan: ``loan/42``) from 1 without
gaps, so a consumer can order a loan's events and see one missing.
"""

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectSequence(models.Model):
    """The last sequence number given to a subject's events (its row is locked while a
    transaction adds events to the subject, which keeps the numbers gap-free)."""

    subject = models.CharField(max_length=200, primary_key=True, verbose_name=_("subject"))
    last = models.BigIntegerField(verbose_name=_("last sequence"))

    class Meta:
        verbose_name = _("subject sequence")
        verbose_name_plural = _("subject sequences")

    def __str__(self) -> str:
        return f"{self.subject} #{self.last}"


class Event(models.Model):
    position = models.BigAutoField(primary_key=True, verbose_name=_("position"))
    uuid = models.UUIDField(
        default=uuid.uuid4, unique=True, help_text=_("The CloudEvents id."), verbose_name=_("uuid")
    )
    source = models.CharField(max_length=200, verbose_name=_("source"))
    type = models.CharField(max_length=64, verbose_name=_("event type"))
    subject = models.CharField(max_length=200, verbose_name=_("subject"))
    sequence = models.BigIntegerField(verbose_name=_("sequence"))
    time = models.DateTimeField(
        help_text=_("The business timestamp (start of the business date)."),
        verbose_name=_("event time"),
    )
    business_date = models.DateField(verbose_name=_("business date"))
    data = models.JSONField(encoder=DjangoJSONEncoder, verbose_name=_("data"))
    recorded_at = models.DateTimeField(
        help_text=_("Wall clock when the event was written."), verbose_name=_("recorded at")
    )
    # Null, not '': unkeyed events must not collide under the key's unique constraint.
    key = models.CharField(  # noqa: DJ001
        max_length=200,
        null=True,
        blank=True,
        help_text=_("What makes the event happen once (a close step run twice writes it once)."),
        verbose_name=_("key"),
    )
    txid = models.BigIntegerField(
        default=0,
        db_index=True,
        help_text=_("The writing transaction's id (PostgreSQL)."),
        verbose_name=_("txid"),
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["position"]
        # Declared here rather than as `unique=True` / `db_index=True` on the fields: on
        # PostgreSQL a field's own index comes with a second, `varchar_pattern_ops` one for LIKE,
        # which no query runs and every event written pays for (events 0003).
        constraints = [
            models.UniqueConstraint(fields=["subject", "sequence"], name="event_subject_seq_uniq"),
            models.UniqueConstraint(fields=["key"], name="event_key_uniq"),
        ]
        indexes = [models.Index(fields=["type"], name="event_type_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.subject} #{self.sequence}"


class Subscription(models.Model):
    """A receiver of webhooks: the events of `event_types` (all, when empty) POSTed to `url`,
    signed with `secret` (and, while a rotation lasts, also with `previous_secret`)."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    url = models.URLField(max_length=500, verbose_name=_("URL"))
    event_types = models.JSONField(default=list, blank=True, verbose_name=_("event types"))
    secret = models.CharField(max_length=128, verbose_name=_("secret"))
    previous_secret = models.CharField(
        max_length=128, blank=True, verbose_name=_("previous secret")
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    max_attempts = models.PositiveSmallIntegerField(
        default=8,
        help_text=_("Failures after which a delivery is parked (dead-lettered)."),
        verbose_name=_("max attempts"),
    )
    horizon = models.BigIntegerField(
        default=0,
        help_text=_("Transaction horizon up to which events have been queued for delivery."),
        verbose_name=_("horizon"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("dead-lettered")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, verbose_name=_("subscription")
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, verbose_name=_("event"))
    subject = models.CharField(max_length=200, verbose_name=_("subject"))
    sequence = models.BigIntegerField(verbose_name=_("sequence"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(verbose_name=_("next attempt at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    last_error = models.CharField(max_length=255, blank=True, verbose_name=_("last error"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="delivery_once")
        ]
        indexes = [
            models.Index(fields=["subscription", "status", "subject", "sequence"]),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} {self.event_id} {self.status}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    attempted_at = models.DateTimeField(verbose_name=_("attempted at"))
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("status code")
    )
    error = models.CharField(max_length=255, blank=True, verbose_name=_("error"))
    duration_ms = models.PositiveIntegerField(verbose_name=_("duration ms"))

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"
