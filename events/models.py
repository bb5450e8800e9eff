"""The outbox: one row per domain event, written in the transaction of the change it reports.

An event is a CloudEvents 1.0 envelope. Its `position` (the primary key) is the stream's
cursor; its `sequence` numbers the events of one subject (a loan: ``loan/42``) from 1 without
gaps, so a consumer can order a loan's events and see one missing.
"""

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


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

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "sequence"], name="event_subject_seq_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject} #{self.sequence}"
