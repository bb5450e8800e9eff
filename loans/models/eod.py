"""What the end-of-day close records: its runs (per date, step and chunk), the daily portfolio
snapshot reports read, and the penalty accruals it capped at the jurisdiction's ceiling."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT, RATE, ZERO

from .contracts import Loan
from .products import Product


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class CloseRun(models.Model):
    """One close of a business date. The loan-id ranges of its chunks are fixed when it opens,
    so a resumed run (or another worker) processes exactly the same chunks."""

    business_date = models.DateField(unique=True)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.PENDING)
    current_step = models.CharField(max_length=16)
    chunk_bounds = models.JSONField(
        default=list, help_text="[[first loan id, last loan id], …] of every chunk."
    )
    open_loans = models.PositiveIntegerField(default=0, help_text="Open loans when it started.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-business_date"]
        verbose_name = "end-of-day close"

    def __str__(self) -> str:
        return f"close {self.business_date} ({self.status})"

    @property
    def seconds(self):
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)


class CloseStepRun(models.Model):
    """One step of a close over one chunk of loans (whole-portfolio steps have one chunk)."""

    run = models.ForeignKey(CloseRun, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=16)
    position = models.PositiveSmallIntegerField(help_text="The step's place in the close.")
    chunk = models.PositiveIntegerField()
    first_loan_id = models.BigIntegerField(null=True, blank=True)
    last_loan_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    loans = models.PositiveIntegerField(default=0, help_text="Loans the step changed or booked.")
    entries = models.PositiveIntegerField(default=0, help_text="Journal entries it posted.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    lease_token = models.CharField(
        max_length=32,
        blank=True,
        help_text="The token of the worker holding the chunk; its commit is refused without it.",
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position", "chunk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "step", "chunk"], name="close_step_chunk_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.run.business_date} {self.step} #{self.chunk} ({self.status})"


class LeaseOutcome(models.TextChoices):
    HELD = "held", _("Held")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired (taken over)")
    FENCED = "fenced", _("Fenced (commit refused)")


class CloseLease(models.Model):
    """One worker's lease on one chunk: taken, kept alive by heartbeats, and ended done, failed,
    or fenced (it expired, another worker took the chunk and this one's commit was refused). The
    close's run page reads each worker's chunks, heartbeats and failures from these rows."""

    step_run = models.ForeignKey(CloseStepRun, on_delete=models.CASCADE, related_name="leases")
    worker = models.CharField(max_length=200)
    token = models.CharField(max_length=32, unique=True)
    taken_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()
    heartbeats = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=8, choices=LeaseOutcome.choices, default=LeaseOutcome.HELD
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["step_run", "taken_at"]

    def __str__(self) -> str:
        return f"{self.worker} on {self.step_run} ({self.outcome})"


class PortfolioSnapshot(models.Model):
    """Counts and balances of the portfolio at the end of a business date, by product, status,
    delinquency bucket and risk category (balances on their normal side, from the ledger)."""

    business_date = models.DateField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="snapshots")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16)
    delinquency_bucket = models.CharField(max_length=8)
    risk_category = models.CharField(max_length=16)
    loan_count = models.PositiveIntegerField()
    principal_disbursed = models.DecimalField(**AMOUNT, default=ZERO)
    principal_outstanding = models.DecimalField(**AMOUNT, default=ZERO)
    interest_receivable = models.DecimalField(**AMOUNT, default=ZERO)
    fees_receivable = models.DecimalField(**AMOUNT, default=ZERO)
    penalty_receivable = models.DecimalField(**AMOUNT, default=ZERO)
    interest_suspense = models.DecimalField(**AMOUNT, default=ZERO)
    allowance = models.DecimalField(**AMOUNT, default=ZERO)

    class Meta:
        ordering = ["business_date", "product", "status", "delinquency_bucket", "risk_category"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "business_date",
                    "product",
                    "status",
                    "delinquency_bucket",
                    "risk_category",
                ],
                name="portfolio_snapshot_uniq",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.business_date} {self.product_id} {self.status} {self.delinquency_bucket} "
            f"{self.risk_category}: {self.loan_count}"
        )


class PenaltyCap(models.Model):
    """A day on which a loan's penalty interest was cut to keep its all-in cost within the cap.

    ``allowed_cost`` is what the cap allows over the loan's life so far, ``charged_cost`` what
    was charged before the day's penalty (see ``loans.eod.penalties``)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="penalty_caps")
    business_date = models.DateField()
    penalty_uncapped = models.DecimalField(**AMOUNT)
    penalty_booked = models.DecimalField(**AMOUNT)
    cap_rate = models.DecimalField(**RATE)
    allowed_cost = models.DecimalField(**AMOUNT)
    charged_cost = models.DecimalField(**AMOUNT)

    class Meta:
        ordering = ["loan_id", "business_date"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "business_date"], name="penalty_cap_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.business_date}: {self.penalty_booked}/{self.penalty_uncapped}"
