"""Applications and the decisions on them, each with the trail of the pipeline's steps."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT, ZERO
from loans.models import Borrower, Product

from .policy import PolicyVersion


class LoanApplication(models.Model):
    """What a borrower asked for (a credit line, or a one-off loan) and the data declared with it.

    Identity data is kept as keyed digests (for velocity, block-list and match checks) plus the
    birth date the age rule needs, never in clear (PIPL: minimum data)."""

    class Kind(models.TextChoices):
        CREDIT_LINE = "credit_line", _("Credit line (授信)")
        ONE_OFF = "one_off", _("One-off loan")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REFERRED = "referred", _("Referred to manual review")
        DECLINED = "declined", _("Declined")

    reference = models.CharField(max_length=40, unique=True)
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="applications")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="applications")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CREDIT_LINE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    currency = models.CharField(max_length=3, default="CNY")
    requested_amount = models.DecimalField(**AMOUNT)
    requested_term = models.PositiveSmallIntegerField()
    purpose = models.CharField(max_length=64)
    declared_monthly_income = models.DecimalField(**AMOUNT, default=ZERO)
    declared_name = models.CharField(max_length=120)
    national_id_digest = models.CharField(max_length=64, db_index=True)
    national_id_masked = models.CharField(max_length=32)
    national_id_valid = models.BooleanField(default=True)
    mobile_digest = models.CharField(max_length=64, db_index=True)
    mobile_masked = models.CharField(max_length=24)
    birth_date = models.DateField(null=True, blank=True)
    residence_country = models.CharField(max_length=2, default="CN")
    residence_region = models.CharField(max_length=8, blank=True)
    consents = models.JSONField(default=list, help_text="Purposes granted with the application.")
    device_id = models.CharField(max_length=128, db_index=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    channel = models.CharField(max_length=32, default="app")
    collateral_data = models.JSONField(
        default=dict, blank=True, help_text="Policy loans: insurer, policy number, cash value."
    )
    business_date = models.DateField()
    submitted_at = models.DateTimeField(db_index=True)
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "loans_loanapplication"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "id"], name="application_status_idx"),
            models.Index(fields=["national_id_digest", "submitted_at"], name="application_id_vel"),
            models.Index(fields=["mobile_digest", "submitted_at"], name="application_mobile_vel"),
            models.Index(fields=["device_id", "submitted_at"], name="application_device_vel"),
        ]
        permissions = [("review_application", "Can approve or decline referred applications")]

    def __str__(self) -> str:
        return self.reference


class DecisionRecord(models.Model):
    """One decision on an application: the facts it saw, the policy version, the outcome, the
    offer and the reasons. `inputs` + the policy version reproduce it (`fingerprint`)."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REFER = "refer", _("Refer to manual review")
        DECLINE = "decline", _("Decline")

    class Kind(models.TextChoices):
        AUTOMATED = "automated", _("Automated")
        MANUAL = "manual", _("Manual review")

    application = models.ForeignKey(
        LoanApplication, on_delete=models.PROTECT, related_name="decisions"
    )
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="decisions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.AUTOMATED)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    score = models.IntegerField(null=True, blank=True)
    score_provider = models.CharField(max_length=64, blank=True)
    reason_codes = models.JSONField(default=list, help_text="Top reasons the borrower may be told.")
    offer = models.JSONField(default=dict, blank=True)
    inputs = models.JSONField(help_text="Every fact the pipeline read, as it read them.")
    fingerprint = models.CharField(max_length=64)
    actor = models.CharField(max_length=150, default="system")
    note = models.TextField(blank=True)
    business_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "loans_decisionrecord"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.outcome}"


class DecisionStep(models.Model):
    """One step of the pipeline: what it read, what it found, and its reason code."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        REFER = "refer", _("Refer")
        FAIL = "fail", _("Fail")
        INFO = "info", _("Information")

    decision = models.ForeignKey(DecisionRecord, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=40)
    inputs = models.JSONField(default=dict)
    result = models.CharField(max_length=8, choices=Result.choices)
    reason_code = models.CharField(max_length=16, blank=True)
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        db_table = "loans_decisionstep"
        ordering = ["decision_id", "position"]

    def __str__(self) -> str:
        return f"{self.name}: {self.result} {self.reason_code}"
