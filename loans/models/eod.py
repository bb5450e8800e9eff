"""What the end-of-day close records: its runs (per date, step and chunk), the daily portfolio
snapshot reports read, and the penalty accruals it capped at the jurisdiction's ceiling."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT, RATE, ZERO

from .contracts import Loan
from .products import Product

# The close's steps by name, in the reader's language; stored step names (settings.CLOSE_STEPS,
# the step runs' `step` column) stay codes.
STEP_LABELS = {
    "rate_resets": _("rate resets"),
    "accrual": _("interest accrual"),
    "due": _("installments due"),
    "delinquency": _("delinquency"),
    "penalties": _("penalty interest"),
    "states": _("loan states"),
    "buyback": _("buybacks"),
    "staging": _("IFRS 9 staging"),
    "provisioning": _("provisioning"),
    "collection": _("collection"),
    "credit_lines": _("credit lines"),
    "snapshot": _("portfolio snapshot"),
    "month_end": _("month end"),
    "journal": _("journal partitions"),
    "advance": _("business date advance"),
    "auto_debit": _("auto-debits"),
    "reports": _("reports"),
    "done": _("all steps done"),  # a run's current step once its last step is done
}


def step_label(step: str) -> str:
    """A step by name; a step nobody named (one added to settings.CLOSE_STEPS) as its code."""
    return str(STEP_LABELS.get(step, step))


def bucket_label(bucket: str) -> str:
    """A delinquency bucket by name: "current" in words, the day ranges (1-30, 180+) as they are."""
    return str(_("current")) if bucket == "current" else bucket


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class CloseRun(models.Model):
    """One close of a business date. The loan-id ranges of its chunks are fixed when it opens,
    so a resumed run (or another worker) processes exactly the same chunks."""

    business_date = models.DateField(unique=True, verbose_name=_("business date"))
    status = models.CharField(
        max_length=8, choices=RunStatus.choices, default=RunStatus.PENDING, verbose_name=_("status")
    )
    current_step = models.CharField(max_length=16, verbose_name=_("current step"))
    chunk_bounds = models.JSONField(
        default=list,
        help_text=_("[[first loan id, last loan id], …] of every chunk."),
        verbose_name=_("chunk bounds"),
    )
    open_loans = models.PositiveIntegerField(
        default=0, help_text=_("Open loans when it started."), verbose_name=_("open loans")
    )
    started_at = models.DateTimeField(auto_now_add=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))

    class Meta:
        verbose_name = _("end-of-day close")
        verbose_name_plural = _("end-of-day closes")
        ordering = ["-business_date"]

    def __str__(self) -> str:
        return gettext("close %(date)s (%(status)s)") % {
            "date": self.business_date,
            "status": self.get_status_display(),
        }

    @property
    def seconds(self):
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)


class CloseStepRun(models.Model):
    """One step of a close over one chunk of loans (whole-portfolio steps have one chunk)."""

    run = models.ForeignKey(
        CloseRun, on_delete=models.CASCADE, related_name="steps", verbose_name=_("run")
    )
    step = models.CharField(max_length=16, verbose_name=_("step"))
    position = models.PositiveSmallIntegerField(
        help_text=_("The step's place in the close."), verbose_name=_("position")
    )
    chunk = models.PositiveIntegerField(verbose_name=_("chunk"))
    first_loan_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("first loan ID"))
    last_loan_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("last loan ID"))
    status = models.CharField(
        max_length=8, choices=RunStatus.choices, default=RunStatus.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    loans = models.PositiveIntegerField(
        default=0, help_text=_("Loans the step changed or booked."), verbose_name=_("loan count")
    )
    entries = models.PositiveIntegerField(
        default=0, help_text=_("Journal entries it posted."), verbose_name=_("entry count")
    )
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    duration_ms = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("duration ms"))
    worker = models.CharField(max_length=200, blank=True, verbose_name=_("worker"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    lease_token = models.CharField(
        max_length=32,
        blank=True,
        help_text=_("The token of the worker holding the chunk; its commit is refused without it."),
        verbose_name=_("lease token"),
    )
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("lease expires at")
    )
    heartbeat_at = models.DateTimeField(null=True, blank=True, verbose_name=_("heartbeat at"))

    class Meta:
        verbose_name = _("close step run")
        verbose_name_plural = _("close step runs")
        ordering = ["run", "position", "chunk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "step", "chunk"], name="close_step_chunk_uniq")
        ]

    def __str__(self) -> str:
        return gettext("%(date)s %(step)s #%(chunk)s (%(status)s)") % {
            "date": self.run.business_date,
            "step": step_label(self.step),
            "chunk": self.chunk,
            "status": self.get_status_display(),
        }


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

    step_run = models.ForeignKey(
        CloseStepRun, on_delete=models.CASCADE, related_name="leases", verbose_name=_("step run")
    )
    worker = models.CharField(max_length=200, verbose_name=_("worker"))
    token = models.CharField(max_length=32, unique=True, verbose_name=_("token"))
    taken_at = models.DateTimeField(verbose_name=_("taken at"))
    heartbeat_at = models.DateTimeField(verbose_name=_("heartbeat at"))
    heartbeats = models.PositiveIntegerField(default=0, verbose_name=_("heartbeats"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    outcome = models.CharField(
        max_length=8,
        choices=LeaseOutcome.choices,
        default=LeaseOutcome.HELD,
        verbose_name=_("outcome"),
    )
    error = models.TextField(blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("close lease")
        verbose_name_plural = _("close leases")
        ordering = ["step_run", "taken_at"]

    def __str__(self) -> str:
        return gettext("%(worker)s on %(step)s (%(outcome)s)") % {
            "worker": self.worker,
            "step": self.step_run,
            "outcome": self.get_outcome_display(),
        }


class PortfolioSnapshot(models.Model):
    """Counts and balances of the portfolio at the end of a business date, by product, status,
    delinquency bucket and risk category (balances on their normal side, from the ledger)."""

    business_date = models.DateField(verbose_name=_("business date"))
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="snapshots", verbose_name=_("product")
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    status = models.CharField(max_length=16, verbose_name=_("status"))
    delinquency_bucket = models.CharField(max_length=8, verbose_name=_("delinquency bucket"))
    risk_category = models.CharField(max_length=16, verbose_name=_("risk category"))
    loan_count = models.PositiveIntegerField(verbose_name=_("loan count"))
    principal_disbursed = models.DecimalField(
        **AMOUNT, default=ZERO, verbose_name=_("principal disbursed")
    )
    principal_outstanding = models.DecimalField(
        **AMOUNT, default=ZERO, verbose_name=_("principal outstanding")
    )
    interest_receivable = models.DecimalField(
        **AMOUNT, default=ZERO, verbose_name=_("interest receivable")
    )
    fees_receivable = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("fees receivable"))
    penalty_receivable = models.DecimalField(
        **AMOUNT, default=ZERO, verbose_name=_("penalty receivable")
    )
    interest_suspense = models.DecimalField(
        **AMOUNT, default=ZERO, verbose_name=_("interest suspense")
    )
    allowance = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("allowance"))

    class Meta:
        verbose_name = _("portfolio snapshot")
        verbose_name_plural = _("portfolio snapshots")
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
        return gettext("%(date)s, product %(product)s: %(count)s loans") % {
            "date": self.business_date,
            "product": self.product_id,
            "count": self.loan_count,
        }


class PenaltyCap(models.Model):
    """A day on which a loan's penalty interest was cut to keep its all-in cost within the cap.

    ``allowed_cost`` is what the cap allows over the loan's life so far, ``charged_cost`` what
    was charged before the day's penalty (see ``loans.eod.penalties``)."""

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="penalty_caps", verbose_name=_("loan")
    )
    business_date = models.DateField(verbose_name=_("business date"))
    penalty_uncapped = models.DecimalField(**AMOUNT, verbose_name=_("penalty uncapped"))
    penalty_booked = models.DecimalField(**AMOUNT, verbose_name=_("penalty booked"))
    cap_rate = models.DecimalField(**RATE, verbose_name=_("cap rate"))
    allowed_cost = models.DecimalField(**AMOUNT, verbose_name=_("allowed cost"))
    charged_cost = models.DecimalField(**AMOUNT, verbose_name=_("charged cost"))

    class Meta:
        verbose_name = _("penalty cap")
        verbose_name_plural = _("penalty caps")
        ordering = ["loan_id", "business_date"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "business_date"], name="penalty_cap_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.business_date}: {self.penalty_booked}/{self.penalty_uncapped}"
