"""Origination and credit lines (授信 / 用信): policy versions, applications, decisions with their
trail, credit lines and their limit log, drawdowns, merchants, collateral and the block list.

Money moves only through the ledger; these rows say who may draw how much, why a decision was
made, and where each drawdown's money went.
"""

from django.db import models

from core.money import AMOUNT, RATE, ZERO

from .borrowers import Borrower
from .contracts import Loan
from .products import Product


class PolicyVersion(models.Model):
    """Credit policy as data: rule thresholds, scorecard points, pricing bands and limits.

    Immutable once a decision used it (`first_used_on` set): a new version is published instead,
    so every stored decision can be re-run through exactly the policy that made it."""

    code = models.SlugField(max_length=40)
    version = models.PositiveIntegerField()
    description = models.CharField(max_length=255, blank=True)
    policy = models.JSONField(help_text="Rules, scorecard, bands and limits (see the docs).")
    is_active = models.BooleanField(default=False)
    created_by = models.CharField(max_length=150, default="system")
    created_at = models.DateTimeField(auto_now_add=True)
    first_used_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="policy_version_uniq"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(is_active=True), name="policy_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def is_used(self) -> bool:
        return self.first_used_on is not None


class Merchant(models.Model):
    """A merchant (e-commerce shop or scene: school, car dealer, clinic) paid on drawdowns."""

    class Kind(models.TextChoices):
        ECOMMERCE = "ecommerce", "E-commerce (电商)"
        EDUCATION = "education", "Education (教育)"
        CAR = "car", "Car (车)"
        MEDICAL = "medical", "Medical (医美)"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ECOMMERCE)
    settlement_account_masked = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class BlockListEntry(models.Model):
    """An identity the lender will not lend to (fraud, court order); matched by keyed digest."""

    class Kind(models.TextChoices):
        NATIONAL_ID = "national_id", "National ID"
        MOBILE = "mobile", "Mobile phone"
        DEVICE = "device", "Device"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    value_digest = models.CharField(max_length=64)
    reason = models.CharField(max_length=255)
    added_on = models.DateField()
    added_by = models.CharField(max_length=150, default="system")

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value_digest"], name="block_list_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value_digest[:8]}…"


class LoanApplication(models.Model):
    """What a borrower asked for (a credit line, or a one-off loan) and the data declared with it.

    Identity data is kept as keyed digests (for velocity, block-list and match checks) plus the
    birth date the age rule needs, never in clear (PIPL: minimum data)."""

    class Kind(models.TextChoices):
        CREDIT_LINE = "credit_line", "Credit line (授信)"
        ONE_OFF = "one_off", "One-off loan"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REFERRED = "referred", "Referred to manual review"
        DECLINED = "declined", "Declined"

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
        APPROVE = "approve", "Approve"
        REFER = "refer", "Refer to manual review"
        DECLINE = "decline", "Decline"

    class Kind(models.TextChoices):
        AUTOMATED = "automated", "Automated"
        MANUAL = "manual", "Manual review"

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
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.outcome}"


class DecisionStep(models.Model):
    """One step of the pipeline: what it read, what it found, and its reason code."""

    class Result(models.TextChoices):
        PASS = "pass", "Pass"
        REFER = "refer", "Refer"
        FAIL = "fail", "Fail"
        INFO = "info", "Information"

    decision = models.ForeignKey(DecisionRecord, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=40)
    inputs = models.JSONField(default=dict)
    result = models.CharField(max_length=8, choices=Result.choices)
    reason_code = models.CharField(max_length=16, blank=True)
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["decision_id", "position"]

    def __str__(self) -> str:
        return f"{self.name}: {self.result} {self.reason_code}"


class CreditLine(models.Model):
    """A borrower's credit line (授信额度). The available amount is derived, not stored as the
    truth: limit − outstanding principal of its loans in the ledger (revolving), or limit − all
    principal ever drawn (one-off). `available_amount` is the last figure computed, for lists."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        FROZEN = "frozen", "Frozen"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=40, unique=True)
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="credit_lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="credit_lines")
    application = models.OneToOneField(
        LoanApplication, on_delete=models.PROTECT, null=True, blank=True, related_name="line"
    )
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT)
    allowed_product_types = models.JSONField(default=list)
    currency = models.CharField(max_length=3, default="CNY")
    limit = models.DecimalField(**AMOUNT)
    available_amount = models.DecimalField(**AMOUNT, default=ZERO)
    revolving = models.BooleanField(default=True)
    secured = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    freeze_reason = models.CharField(max_length=32, blank=True)
    pricing_band = models.CharField(max_length=32)
    annual_rate = models.DecimalField(**RATE)
    credit_score = models.IntegerField(null=True, blank=True)
    opened_on = models.DateField()
    expires_on = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(limit__gte=0), name="credit_line_limit_gte0")
        ]

    def __str__(self) -> str:
        return self.reference


class CreditLimitChange(models.Model):
    """Every change of a line's limit or status, with its reason and actor."""

    class Kind(models.TextChoices):
        OPEN = "open", "Opened"
        INCREASE = "increase", "Limit increased"
        DECREASE = "decrease", "Limit decreased"
        FREEZE = "freeze", "Frozen"
        UNFREEZE = "unfreeze", "Unfrozen"
        CLOSE = "close", "Closed"

    line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    old_limit = models.DecimalField(**AMOUNT)
    new_limit = models.DecimalField(**AMOUNT)
    old_status = models.CharField(max_length=8)
    new_status = models.CharField(max_length=8)
    reason = models.CharField(max_length=255)
    actor = models.CharField(max_length=150)
    business_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["line_id", "id"]

    def __str__(self) -> str:
        return f"{self.line_id} {self.kind} {self.old_limit} → {self.new_limit}"


class Drawdown(models.Model):
    """One use of a credit line (用信): the loan it became, who was paid, and the merchant's
    settlement, subsidy and refunds."""

    class PayeeKind(models.TextChoices):
        MERCHANT = "merchant", "Merchant"
        BORROWER = "borrower", "Borrower's bank account"
        CARD_ISSUER = "card_issuer", "Card issuer"

    class Settlement(models.TextChoices):
        NOT_APPLICABLE = "n/a", "Paid out directly"
        PENDING = "pending", "Awaiting settlement"
        SETTLED = "settled", "Settled"

    line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="drawdowns")
    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="drawdown")
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, null=True, blank=True, related_name="drawdowns"
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    request_hash = models.CharField(max_length=64)
    amount = models.DecimalField(**AMOUNT)
    payee_kind = models.CharField(max_length=16, choices=PayeeKind.choices)
    payee_name = models.CharField(max_length=120)
    payee_account_masked = models.CharField(max_length=40, blank=True)
    order_reference = models.CharField(max_length=64, blank=True)
    subsidised = models.BooleanField(default=False)
    subsidy_amount = models.DecimalField(**AMOUNT, default=ZERO)
    refunded_amount = models.DecimalField(**AMOUNT, default=ZERO)
    settlement_status = models.CharField(
        max_length=8, choices=Settlement.choices, default=Settlement.NOT_APPLICABLE
    )
    settled_amount = models.DecimalField(**AMOUNT, default=ZERO)
    settled_on = models.DateField(null=True, blank=True)
    base_rate = models.DecimalField(**RATE, help_text="The line's rate before dynamic pricing.")
    pricing_adjustments = models.JSONField(default=list)
    business_date = models.DateField()
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded_amount__lte=models.F("amount")),
                name="drawdown_refund_within_amount",
            )
        ]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.amount} → {self.payee_kind}"


class Collateral(models.Model):
    """A pledged asset securing a loan (policy loans: an insurance policy's cash value),
    recorded at drawdown and released when the loan is paid off."""

    class Kind(models.TextChoices):
        INSURANCE_POLICY = "insurance_policy", "Insurance policy cash value (保单)"

    class Status(models.TextChoices):
        PLEDGED = "pledged", "Pledged"
        RELEASED = "released", "Released"

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="collateral")
    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="collateral")
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.INSURANCE_POLICY)
    insurer = models.CharField(max_length=120)
    policy_number = models.CharField(max_length=64)
    cash_value = models.DecimalField(**AMOUNT)
    valued_on = models.DateField()
    advance_ratio = models.DecimalField(**RATE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLEDGED)
    pledged_on = models.DateField()
    released_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["insurer", "policy_number"],
                condition=models.Q(status="pledged"),
                name="collateral_pledged_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number} ({self.status})"
