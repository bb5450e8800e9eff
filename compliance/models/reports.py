"""What the reports store: each loan's state at every month end, the captures that wrote them,
and every report file produced (with its checksum)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT, ZERO


def reports_root() -> str:
    """Where produced report files go: `REPORTS_ROOT`, else `MEDIA_ROOT`/reports, else
    var/reports under the project."""
    root = getattr(settings, "REPORTS_ROOT", None)
    if not root:
        media = getattr(settings, "MEDIA_ROOT", "")
        root = Path(media) / "reports" if media else Path(settings.BASE_DIR) / "var" / "reports"
    return str(root)


class ReportsStorage(FileSystemStorage):
    """The file system under `reports_root()`, read when a file is stored or opened (not once at
    start-up), so the setting can change (tests, deployments) without a restart of the model."""

    @property
    def base_location(self) -> str:
        return reports_root()

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def reports_storage() -> FileSystemStorage:
    return ReportsStorage()


class MonthEndCapture(models.Model):
    """One capture of every loan's state at a month end (`month_end.month_end_capture`)."""

    class Source(models.TextChoices):
        LIVE = "live", _("At the close (the loans as the close left them)")
        RECONSTRUCTED = "reconstructed", _("Backfilled from the ledger, installments and log")

    month_end = models.DateField(unique=True)
    loans = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=16, choices=Source.choices)
    business_date = models.DateField(help_text="Business date when it was captured.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month_end"]

    def __str__(self) -> str:
        return f"month end {self.month_end} ({self.loans} loans, {self.source})"


class LoanMonthEnd(models.Model):
    """A loan's state at the end of a month: what roll rates, vintages and the credit-bureau
    file read for past months. Balances are the ledger's at the month end (normal side)."""

    month_end = models.DateField()
    loan = models.ForeignKey(
        "loans.Loan", on_delete=models.PROTECT, related_name="month_ends", db_index=False
    )
    product = models.ForeignKey(
        "loans.Product", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16)
    days_past_due = models.PositiveIntegerField(default=0)
    worst_days_past_due = models.PositiveIntegerField(
        default=0, help_text="The most days past due the loan reached during the month."
    )
    delinquency_bucket = models.CharField(max_length=8)
    risk_category = models.CharField(max_length=16)
    principal = models.DecimalField(**AMOUNT, default=ZERO)
    interest = models.DecimalField(**AMOUNT, default=ZERO)
    fees = models.DecimalField(**AMOUNT, default=ZERO)
    penalty = models.DecimalField(**AMOUNT, default=ZERO)
    suspense = models.DecimalField(**AMOUNT, default=ZERO)
    allowance = models.DecimalField(**AMOUNT, default=ZERO)
    amount_overdue = models.DecimalField(**AMOUNT, default=ZERO)
    installment_due = models.BooleanField(
        default=False, help_text="An installment fell due during the month."
    )
    bureau_status = models.CharField(
        max_length=1, help_text="The month's credit-bureau repayment status (N, 1-7, C, G, *)."
    )

    class Meta:
        ordering = ["month_end", "loan_id"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "month_end"], name="loan_month_end_uniq"),
        ]
        indexes = [models.Index(fields=["month_end", "loan"], name="loan_month_end_month_idx")]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.month_end} {self.status} {self.bureau_status}"


class ReportRun(models.Model):
    """A report produced to a file: by the schedule, from the admin or the command. The file's
    SHA-256 is kept so that a copy handed to a regulator can be checked against it."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Manual")

    name = models.CharField(max_length=32)
    as_of = models.DateField()
    start = models.DateField()
    product = models.CharField(max_length=40, blank=True)
    currency = models.CharField(max_length=3)
    format = models.CharField(max_length=8)
    trigger = models.CharField(max_length=8, choices=Trigger.choices, default=Trigger.MANUAL)
    file = models.FileField(storage=reports_storage, upload_to="", max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    totals = models.JSONField(default=dict)
    source = models.CharField(max_length=16, blank=True)
    business_date = models.DateField(help_text="Business date when it was produced.")
    produced_by = models.CharField(max_length=150, default="system")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["name", "as_of"], name="report_run_name_date_idx")]
        permissions = [("view_reports", "Can produce and download regulatory reports")]

    def __str__(self) -> str:
        return f"{self.name} {self.as_of} ({self.format})"
