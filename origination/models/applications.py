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

    reference = models.CharField(max_length=40, unique=True, verbose_name=_("reference"))
    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, related_name="applications", verbose_name=_("borrower")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="applications", verbose_name=_("product")
    )
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.CREDIT_LINE, verbose_name=_("kind")
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.SUBMITTED, verbose_name=_("status")
    )
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    requested_amount = models.DecimalField(**AMOUNT, verbose_name=_("requested amount"))
    requested_term = models.PositiveSmallIntegerField(verbose_name=_("requested term"))
    purpose = models.CharField(max_length=64, verbose_name=_("purpose"))
    declared_monthly_income = models.DecimalField(
        **AMOUNT, default=ZERO, verbose_name=_("declared monthly income")
    )
    declared_name = models.CharField(max_length=120, verbose_name=_("declared name"))
    national_id_digest = models.CharField(
        max_length=64, db_index=True, verbose_name=_("national ID digest")
    )
    national_id_masked = models.CharField(max_length=32, verbose_name=_("national ID masked"))
    national_id_valid = models.BooleanField(default=True, verbose_name=_("national ID valid"))
    mobile_digest = models.CharField(max_length=64, db_index=True, verbose_name=_("mobile digest"))
    mobile_masked = models.CharField(max_length=24, verbose_name=_("mobile masked"))
    birth_date = models.DateField(null=True, blank=True, verbose_name=_("birth date"))
    residence_country = models.CharField(
        max_length=2, default="CN", verbose_name=_("residence country")
    )
    residence_region = models.CharField(
        max_length=8, blank=True, verbose_name=_("residence region")
    )
    consents = models.JSONField(
        default=list,
        help_text=_("Purposes granted with the application."),
        verbose_name=_("consents"),
    )
    device_id = models.CharField(
        max_length=128, db_index=True, blank=True, verbose_name=_("device ID")
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))
    channel = models.CharField(max_length=32, default="app", verbose_name=_("channel"))
    collateral_data = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Policy loans: insurer, policy number, cash value."),
        verbose_name=_("collateral data"),
    )
    business_date = models.DateField(verbose_name=_("business date"))
    submitted_at = models.DateTimeField(db_index=True, verbose_name=_("submitted at"))
    decided_on = models.DateField(null=True, blank=True, verbose_name=_("decided on"))

    class Meta:
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
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
        LoanApplication,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("application"),
    )
    policy_version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("policy version"),
    )
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.AUTOMATED, verbose_name=_("kind")
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, verbose_name=_("outcome"))
    score = models.IntegerField(null=True, blank=True, verbose_name=_("score"))
    score_provider = models.CharField(max_length=64, blank=True, verbose_name=_("score provider"))
    reason_codes = models.JSONField(
        default=list,
        help_text=_("Top reasons the borrower may be told."),
        verbose_name=_("reason codes"),
    )
    offer = models.JSONField(default=dict, blank=True, verbose_name=_("offer"))
    inputs = models.JSONField(
        help_text=_("Every fact the pipeline read, as it read them."), verbose_name=_("inputs")
    )
    fingerprint = models.CharField(max_length=64, verbose_name=_("fingerprint"))
    actor = models.CharField(max_length=150, default="system", verbose_name=_("actor"))
    note = models.TextField(blank=True, verbose_name=_("note"))
    business_date = models.DateField(verbose_name=_("business date"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("decision record")
        verbose_name_plural = _("decision records")
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

    decision = models.ForeignKey(
        DecisionRecord, on_delete=models.CASCADE, related_name="steps", verbose_name=_("decision")
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    name = models.CharField(max_length=40, verbose_name=_("name"))
    inputs = models.JSONField(default=dict, verbose_name=_("inputs"))
    result = models.CharField(max_length=8, choices=Result.choices, verbose_name=_("result"))
    reason_code = models.CharField(max_length=16, blank=True, verbose_name=_("reason code"))
    detail = models.CharField(max_length=255, blank=True, verbose_name=_("detail"))

    class Meta:
        verbose_name = _("decision step")
        verbose_name_plural = _("decision steps")
        db_table = "loans_decisionstep"
        ordering = ["decision_id", "position"]

    def __str__(self) -> str:
        return f"{self.name}: {self.result} {self.reason_code}"
