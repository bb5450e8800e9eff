"""Credit lines (授信 / 用信): lines and their limit log, and drawdowns.

Money moves only through the ledger; these rows say who may draw how much and where each
drawdown's money went.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT, RATE, ZERO
from loans.models import Borrower, Loan, Product

from .applications import LoanApplication
from .merchants import Merchant
from .policy import PolicyVersion


class CreditLine(models.Model):
    """A borrower's credit line (授信额度). The available amount is derived, not stored as the
    truth: limit − outstanding principal of its loans in the ledger (revolving), or limit − all
    principal ever drawn (one-off). `available_amount` is the last figure computed, for lists."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        FROZEN = "frozen", _("Frozen")
        CLOSED = "closed", _("Closed")

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
        db_table = "loans_creditline"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(limit__gte=0), name="credit_line_limit_gte0")
        ]

    def __str__(self) -> str:
        return self.reference


class CreditLimitChange(models.Model):
    """Every change of a line's limit or status, with its reason and actor."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Opened")
        INCREASE = "increase", _("Limit increased")
        DECREASE = "decrease", _("Limit decreased")
        FREEZE = "freeze", _("Frozen")
        UNFREEZE = "unfreeze", _("Unfrozen")
        CLOSE = "close", _("Closed")

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
        db_table = "loans_creditlimitchange"
        ordering = ["line_id", "id"]

    def __str__(self) -> str:
        return f"{self.line_id} {self.kind} {self.old_limit} → {self.new_limit}"


class Drawdown(models.Model):
    """One use of a credit line (用信): the loan it became, who was paid, and the merchant's
    settlement, subsidy and refunds."""

    class PayeeKind(models.TextChoices):
        MERCHANT = "merchant", _("Merchant")
        BORROWER = "borrower", _("Borrower's bank account")
        CARD_ISSUER = "card_issuer", _("Card issuer")

    class Settlement(models.TextChoices):
        NOT_APPLICABLE = "n/a", _("Paid out directly")
        PENDING = "pending", _("Awaiting settlement")
        SETTLED = "settled", _("Settled")

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
        db_table = "loans_drawdown"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refunded_amount__lte=models.F("amount")),
                name="drawdown_refund_within_amount",
            )
        ]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.amount} → {self.payee_kind}"
