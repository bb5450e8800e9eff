from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT, RATE

SHARE = {"max_digits": 7, "decimal_places": 6}


class Funder(models.Model):
    """Who funds loans: the platform itself (exactly one) and its partners (banks, trusts, ABS
    vehicles). A partner's exposure limit is data, checked at approval and drawdown."""

    class Kind(models.TextChoices):
        PLATFORM = "platform", _("Platform (own funds)")
        BANK = "bank", _("Partner bank")
        TRUST = "trust", _("Trust")
        ABS = "abs", _("ABS vehicle")

    code = models.SlugField(max_length=16, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    currency = models.CharField(max_length=3, default="CNY")
    exposure_limit = models.DecimalField(
        **AMOUNT,
        null=True,
        blank=True,
        help_text="The most principal outstanding this funder may hold (its share); blank: none.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="platform"), name="funder_one_platform"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_kind_display()})"

    @property
    def is_platform(self) -> bool:
        return self.kind == self.Kind.PLATFORM


class FundingPolicy(models.Model):
    """The limits of joint lending as data: the platform's minimum share of every co-lent loan
    (regulators require 30%)."""

    name = models.CharField(max_length=32, unique=True, default="default")
    platform_min_share = models.DecimalField(**SHARE, default=Decimal("0.30"))

    class Meta:
        verbose_name_plural = "funding policies"

    def __str__(self) -> str:
        return f"{self.name}: platform at least {self.platform_min_share:.0%}"


class FundingArrangement(models.Model):
    """How loans of a product (or one loan) are funded: the funders' shares, the platform's
    guarantee of the partners' shares and after how many days past due it buys them back
    (代偿), and when the partners are settled."""

    class Calendar(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly (Fridays)")
        MONTHLY = "monthly", _("Monthly (last day)")

    code = models.SlugField(max_length=32, unique=True)
    product = models.ForeignKey(
        "loans.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_arrangements",
    )
    loan = models.OneToOneField(
        "loans.Loan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_arrangement",
    )
    platform_guarantee = models.BooleanField(default=True)
    buyback_days_past_due = models.PositiveSmallIntegerField(default=90)
    settlement_calendar = models.CharField(
        max_length=8, choices=Calendar.choices, default=Calendar.DAILY
    )
    valid_from = models.DateField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False, loan__isnull=True)
                | Q(product__isnull=True, loan__isnull=False),
                name="arrangement_product_xor_loan",
            )
        ]

    def __str__(self) -> str:
        return self.code


class ArrangementShare(models.Model):
    """One funder's part of an arrangement: its share, its own rate (the borrower's rate less
    the platform's service fee; blank: the borrower's rate), whether it bears credit losses."""

    arrangement = models.ForeignKey(
        FundingArrangement, on_delete=models.CASCADE, related_name="shares"
    )
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="arrangement_shares")
    share = models.DecimalField(**SHARE)
    funder_rate = models.DecimalField(**RATE, null=True, blank=True)
    bears_losses = models.BooleanField(default=True)

    class Meta:
        ordering = ["arrangement", "funder__kind", "funder__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["arrangement", "funder"], name="arrangement_funder_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.funder.code} {self.share:.2%}"


class LoanFunding(models.Model):
    """A funder's share of one loan over a span of business dates [valid_from, valid_until):
    what the funders' books split the loan's lines by. Fixed at approval from the arrangement,
    changed only by a buyback or a transfer (the old row ends, new rows start)."""

    class Source(models.TextChoices):
        ARRANGEMENT = "arrangement", _("Arrangement")
        BUYBACK = "buyback", _("Guarantee buyback")
        TRANSFER = "transfer", _("Asset transfer")

    loan = models.ForeignKey("loans.Loan", on_delete=models.PROTECT, related_name="fundings")
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="loan_fundings")
    share = models.DecimalField(**SHARE)
    funder_rate = models.DecimalField(**RATE, null=True, blank=True)
    bears_losses = models.BooleanField(default=True)
    guaranteed = models.BooleanField(default=False)
    buyback_days_past_due = models.PositiveSmallIntegerField(null=True, blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices)
    arrangement = models.ForeignKey(
        FundingArrangement, on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        ordering = ["loan_id", "valid_from", "funder_id"]
        indexes = [models.Index(fields=["funder", "loan"], name="loanfunding_funder_loan_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "funder", "valid_from"], name="loanfunding_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"loan {self.loan_id} {self.funder.code} {self.share:.2%} from {self.valid_from}"


class EntryFunder(models.Model):
    """The funder a whole journal entry belongs to (a settlement, a buyback's or a transfer's
    side): the funders' books take its lines entirely for that funder instead of splitting them
    by the loan's shares. Written in the transaction that posts the entry."""

    entry_id = models.BigIntegerField(primary_key=True)
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="entries")

    def __str__(self) -> str:
        return f"entry {self.entry_id} → {self.funder.code}"
