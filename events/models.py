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

    subject = models.CharField(max_length=200, primary_key=True)
    last = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.subject} #{self.last}"


class Event(models.Model):
    position = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, help_text="The CloudEvents id.")
    source = models.CharField(max_length=200)
    type = models.CharField(max_length=64, db_index=True)
    subject = models.CharField(max_length=200)
    sequence = models.BigIntegerField()
    time = models.DateTimeField(help_text="The business timestamp (start of the business date).")
    business_date = models.DateField()
    data = models.JSONField(encoder=DjangoJSONEncoder)
    recorded_at = models.DateTimeField(help_text="Wall clock when the event was written.")
    key = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text="What makes the event happen once (a close step run twice writes it once).",
    )
    txid = models.BigIntegerField(
        default=0, db_index=True, help_text="The writing transaction's id (PostgreSQL)."
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "sequence"], name="event_subject_seq_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject} #{self.sequence}"


class Subscription(models.Model):
    """A receiver of webhooks: the events of `event_types` (all, when empty) POSTed to `url`,
    signed with `secret` (and, while a rotation lasts, also with `previous_secret`)."""

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list, blank=True)
    secret = models.CharField(max_length=128)
    previous_secret = models.CharField(max_length=128, blank=True)
    active = models.BooleanField(default=True)
    max_attempts = models.PositiveSmallIntegerField(
        default=8, help_text="Failures after which a delivery is parked (dead-lettered)."
    )
    horizon = models.BigIntegerField(
        default=0,
        help_text="Transaction horizon up to which events have been queued for delivery.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        DEAD = "dead", _("dead-lettered")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE)
    event = models.ForeignKey(Event, on_delete=models.PROTECT)
    subject = models.CharField(max_length=200)
    sequence = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="delivery_once")
        ]
        indexes = [
            models.Index(fields=["subscription", "status", "subject", "sequence"]),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} {self.event_id} {self.status}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=255, blank=True)
    duration_ms = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"
