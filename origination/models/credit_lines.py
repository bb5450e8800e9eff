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

    reference = models.CharField(max_length=40, unique=True, verbose_name=_("reference"))
    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, related_name="credit_lines", verbose_name=_("borrower")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="credit_lines", verbose_name=_("product")
    )
    application = models.OneToOneField(
        LoanApplication,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="line",
        verbose_name=_("application"),
    )
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, verbose_name=_("policy version")
    )
    allowed_product_types = models.JSONField(default=list, verbose_name=_("allowed product types"))
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    limit = models.DecimalField(**AMOUNT, verbose_name=_("limit"))
    available_amount = models.DecimalField(
        **AMOUNT, default=ZERO, verbose_name=_("available amount")
    )
    revolving = models.BooleanField(default=True, verbose_name=_("revolving"))
    secured = models.BooleanField(default=False, verbose_name=_("secured"))
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.ACTIVE, verbose_name=_("status")
    )
    freeze_reason = models.CharField(max_length=32, blank=True, verbose_name=_("freeze reason"))
    pricing_band = models.CharField(max_length=32, verbose_name=_("pricing band"))
    annual_rate = models.DecimalField(**RATE, verbose_name=_("annual rate"))
    credit_score = models.IntegerField(null=True, blank=True, verbose_name=_("credit score"))
    opened_on = models.DateField(verbose_name=_("opened on"))
    expires_on = models.DateField(verbose_name=_("expires on"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("credit line")
        verbose_name_plural = _("credit lines")
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

    line = models.ForeignKey(
        CreditLine, on_delete=models.PROTECT, related_name="changes", verbose_name=_("credit line")
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    old_limit = models.DecimalField(**AMOUNT, verbose_name=_("old limit"))
    new_limit = models.DecimalField(**AMOUNT, verbose_name=_("new limit"))
    old_status = models.CharField(max_length=8, verbose_name=_("old status"))
    new_status = models.CharField(max_length=8, verbose_name=_("new status"))
    reason = models.CharField(max_length=255, verbose_name=_("reason"))
    actor = models.CharField(max_length=150, verbose_name=_("actor"))
    business_date = models.DateField(verbose_name=_("business date"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("credit limit change")
        verbose_name_plural = _("credit limit changes")
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

    line = models.ForeignKey(
        CreditLine,
        on_delete=models.PROTECT,
        related_name="drawdowns",
        verbose_name=_("credit line"),
    )
    loan = models.OneToOneField(
        Loan, on_delete=models.PROTECT, related_name="drawdown", verbose_name=_("loan")
    )
    merchant = models.ForeignKey(
        Merchant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drawdowns",
        verbose_name=_("merchant"),
    )
    idempotency_key = models.CharField(
        max_length=200, unique=True, verbose_name=_("idempotency key")
    )
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    amount = models.DecimalField(**AMOUNT, verbose_name=_("amount"))
    payee_kind = models.CharField(
        max_length=16, choices=PayeeKind.choices, verbose_name=_("payee kind")
    )
    payee_name = models.CharField(max_length=120, verbose_name=_("payee name"))
    payee_account_masked = models.CharField(
        max_length=40, blank=True, verbose_name=_("payee account masked")
    )
    order_reference = models.CharField(max_length=64, blank=True, verbose_name=_("order reference"))
    subsidised = models.BooleanField(default=False, verbose_name=_("subsidised"))
    subsidy_amount = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("subsidy amount"))
    refunded_amount = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("refunded amount"))
    settlement_status = models.CharField(
        max_length=8,
        choices=Settlement.choices,
        default=Settlement.NOT_APPLICABLE,
        verbose_name=_("settlement status"),
    )
    settled_amount = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("settled amount"))
    settled_on = models.DateField(null=True, blank=True, verbose_name=_("settled on"))
    base_rate = models.DecimalField(
        **RATE, help_text=_("The line's rate before dynamic pricing."), verbose_name=_("base rate")
    )
    pricing_adjustments = models.JSONField(default=list, verbose_name=_("pricing adjustments"))
    business_date = models.DateField(verbose_name=_("business date"))
    created_by = models.CharField(max_length=150, verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("drawdown")
        verbose_name_plural = _("drawdowns")
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
