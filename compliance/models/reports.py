"""What the reports store: each loan's state at every month end, the captures that wrote them,
and every report file produced (with its checksum)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext
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

    month_end = models.DateField(unique=True, verbose_name=_("month end"))
    loans = models.PositiveIntegerField(default=0, verbose_name=_("loan count"))
    source = models.CharField(max_length=16, choices=Source.choices, verbose_name=_("source"))
    business_date = models.DateField(
        help_text=_("Business date when it was captured."), verbose_name=_("business date")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("month end capture")
        verbose_name_plural = _("month end captures")
        ordering = ["-month_end"]

    def __str__(self) -> str:
        return gettext("month end %(date)s (%(loans)s loans, %(source)s)") % {
            "date": self.month_end,
            "loans": self.loans,
            "source": self.get_source_display(),
        }


class LoanMonthEnd(models.Model):
    """A loan's state at the end of a month: what roll rates, vintages and the credit-bureau
    file read for past months. Balances are the ledger's at the month end (normal side)."""

    month_end = models.DateField(verbose_name=_("month end"))
    loan = models.ForeignKey(
        "loans.Loan",
        on_delete=models.PROTECT,
        related_name="month_ends",
        db_index=False,
        verbose_name=_("loan"),
    )
    product = models.ForeignKey(
        "loans.Product",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("product"),
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    status = models.CharField(max_length=16, verbose_name=_("status"))
    days_past_due = models.PositiveIntegerField(default=0, verbose_name=_("days past due"))
    worst_days_past_due = models.PositiveIntegerField(
        default=0,
        help_text=_("The most days past due the loan reached during the month."),
        verbose_name=_("worst days past due"),
    )
    delinquency_bucket = models.CharField(max_length=8, verbose_name=_("delinquency bucket"))
    risk_category = models.CharField(max_length=16, verbose_name=_("risk category"))
    principal = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("principal"))
    interest = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("interest"))
    fees = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("fees"))
    penalty = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("penalty"))
    suspense = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("suspense"))
    allowance = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("allowance"))
    amount_overdue = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("amount overdue"))
    installment_due = models.BooleanField(
        default=False,
        help_text=_("An installment fell due during the month."),
        verbose_name=_("installment due"),
    )
    bureau_status = models.CharField(
        max_length=1,
        help_text=_("The month's credit-bureau repayment status (N, 1-7, C, G, *)."),
        verbose_name=_("bureau status"),
    )

    class Meta:
        verbose_name = _("loan month end")
        verbose_name_plural = _("loan month ends")
        ordering = ["month_end", "loan_id"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "month_end"], name="loan_month_end_uniq"),
        ]
        indexes = [models.Index(fields=["month_end", "loan"], name="loan_month_end_month_idx")]

    def __str__(self) -> str:
        return gettext("loan %(loan)s at %(date)s") % {"loan": self.loan_id, "date": self.month_end}


class ReportRun(models.Model):
    """A report produced to a file: by the schedule, from the admin or the command. The file's
    SHA-256 is kept so that a copy handed to a regulator can be checked against it."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Manual")

    name = models.CharField(max_length=32, verbose_name=_("name"))
    as_of = models.DateField(verbose_name=_("as of"))
    start = models.DateField(verbose_name=_("start"))
    product = models.CharField(max_length=40, blank=True, verbose_name=_("product"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    format = models.CharField(max_length=8, verbose_name=_("format"))
    trigger = models.CharField(
        max_length=8, choices=Trigger.choices, default=Trigger.MANUAL, verbose_name=_("trigger")
    )
    file = models.FileField(
        storage=reports_storage, upload_to="", max_length=255, verbose_name=_("file")
    )
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256 digest"))
    size = models.PositiveBigIntegerField(default=0, verbose_name=_("size (bytes)"))
    rows = models.PositiveIntegerField(default=0, verbose_name=_("row count"))
    totals = models.JSONField(default=dict, verbose_name=_("totals"))
    source = models.CharField(max_length=16, blank=True, verbose_name=_("source"))
    business_date = models.DateField(
        help_text=_("Business date when it was produced."), verbose_name=_("business date")
    )
    produced_by = models.CharField(max_length=150, default="system", verbose_name=_("produced by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["name", "as_of"], name="report_run_name_date_idx")]
        permissions = [("view_reports", "Can produce and download regulatory reports")]

    title_of = staticmethod(str)
    """A report's title by its name: the report registry, which imports the models, sets it."""

    def __str__(self) -> str:
        return f"{self.title_of(self.name)} {self.as_of} ({self.format.upper()})"
