from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
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

    code = models.SlugField(max_length=16, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    exposure_limit = models.DecimalField(
        **AMOUNT,
        null=True,
        blank=True,
        help_text=_(
            "The most principal outstanding this funder may hold (its share); blank: none."
        ),
        verbose_name=_("exposure limit"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = _("funder")
        verbose_name_plural = _("funders")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(kind="platform"), name="funder_one_platform"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_kind_display()})"

    @property
    def name_shown(self) -> str:
        """The name in the reader's language: the platform's own (frozen in a migration, in
        English) is in the catalogue; a name a lender gave its funder reads as given."""
        return gettext(self.name)

    @property
    def is_platform(self) -> bool:
        return self.kind == self.Kind.PLATFORM


class FundingPolicy(models.Model):
    """The limits of joint lending as data: the platform's minimum share of every co-lent loan
    (regulators require 30%)."""

    name = models.CharField(max_length=32, unique=True, default="default", verbose_name=_("name"))
    platform_min_share = models.DecimalField(
        **SHARE, default=Decimal("0.30"), verbose_name=_("platform min share")
    )

    class Meta:
        verbose_name = _("funding policy")
        verbose_name_plural = _("funding policies")

    def __str__(self) -> str:
        return gettext("%(name)s: platform at least %(share)s") % {
            "name": self.name,
            "share": f"{self.platform_min_share:.0%}",
        }


class FundingArrangement(models.Model):
    """How loans of a product (or one loan) are funded: the funders' shares, the platform's
    guarantee of the partners' shares and after how many days past due it buys them back
    (代偿), and when the partners are settled."""

    class Calendar(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly (Fridays)")
        MONTHLY = "monthly", _("Monthly (last day)")

    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    product = models.ForeignKey(
        "loans.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_arrangements",
        verbose_name=_("product"),
    )
    loan = models.OneToOneField(
        "loans.Loan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_arrangement",
        verbose_name=_("loan"),
    )
    platform_guarantee = models.BooleanField(default=True, verbose_name=_("platform guarantee"))
    buyback_days_past_due = models.PositiveSmallIntegerField(
        default=90, verbose_name=_("buyback days past due")
    )
    settlement_calendar = models.CharField(
        max_length=8,
        choices=Calendar.choices,
        default=Calendar.DAILY,
        verbose_name=_("settlement calendar"),
    )
    valid_from = models.DateField(verbose_name=_("valid from"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))

    class Meta:
        verbose_name = _("funding arrangement")
        verbose_name_plural = _("funding arrangements")
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
        FundingArrangement,
        on_delete=models.CASCADE,
        related_name="shares",
        verbose_name=_("arrangement"),
    )
    funder = models.ForeignKey(
        Funder,
        on_delete=models.PROTECT,
        related_name="arrangement_shares",
        verbose_name=_("funder"),
    )
    share = models.DecimalField(**SHARE, verbose_name=_("share"))
    funder_rate = models.DecimalField(**RATE, null=True, blank=True, verbose_name=_("funder rate"))
    bears_losses = models.BooleanField(default=True, verbose_name=_("bears losses"))

    class Meta:
        verbose_name = _("arrangement share")
        verbose_name_plural = _("arrangement shares")
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

    loan = models.ForeignKey(
        "loans.Loan", on_delete=models.PROTECT, related_name="fundings", verbose_name=_("loan")
    )
    funder = models.ForeignKey(
        Funder, on_delete=models.PROTECT, related_name="loan_fundings", verbose_name=_("funder")
    )
    share = models.DecimalField(**SHARE, verbose_name=_("share"))
    funder_rate = models.DecimalField(**RATE, null=True, blank=True, verbose_name=_("funder rate"))
    bears_losses = models.BooleanField(default=True, verbose_name=_("bears losses"))
    guaranteed = models.BooleanField(default=False, verbose_name=_("guaranteed"))
    buyback_days_past_due = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("buyback days past due")
    )
    valid_from = models.DateField(verbose_name=_("valid from"))
    valid_until = models.DateField(null=True, blank=True, verbose_name=_("valid until"))
    source = models.CharField(max_length=12, choices=Source.choices, verbose_name=_("source"))
    arrangement = models.ForeignKey(
        FundingArrangement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("arrangement"),
    )

    class Meta:
        verbose_name = _("loan funding")
        verbose_name_plural = _("loan fundings")
        ordering = ["loan_id", "valid_from", "funder_id"]
        indexes = [models.Index(fields=["funder", "loan"], name="loanfunding_funder_loan_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "funder", "valid_from"], name="loanfunding_uniq"
            )
        ]

    def __str__(self) -> str:
        return gettext("loan %(loan)s %(funder)s %(share)s from %(from)s") % {
            "loan": self.loan_id,
            "funder": self.funder.code,
            "share": f"{self.share:.2%}",
            "from": self.valid_from,
        }


class EntryFunder(models.Model):
    """The funder a whole journal entry belongs to (a settlement, a buyback's or a transfer's
    side): the funders' books take its lines entirely for that funder instead of splitting them
    by the loan's shares. Written in the transaction that posts the entry."""

    entry_id = models.BigIntegerField(primary_key=True, verbose_name=_("entry ID"))
    funder = models.ForeignKey(
        Funder, on_delete=models.PROTECT, related_name="entries", verbose_name=_("funder")
    )

    class Meta:
        verbose_name = _("entry funder")
        verbose_name_plural = _("entry funders")

    def __str__(self) -> str:
        return gettext("entry %(entry)s → %(funder)s") % {
            "entry": self.entry_id,
            "funder": self.funder.code,
        }
