from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT, ZERO

from .funders import Funder


class SettlementRun(models.Model):
    """One funder's settlement of one business date: the day's collections for its share by
    component, the platform's service fee and the net amount due (negative: the funder pays
    in, e.g. to fund its share of the day's disbursements), transferred on the settlement days
    of its calendar."""

    funder = models.ForeignKey(
        Funder, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("funder")
    )
    business_date = models.DateField(verbose_name=_("business date"))
    principal = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("principal"))
    interest = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("interest"))
    fee = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("fee"))
    penalty = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("penalty"))
    recoveries = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("recoveries"))
    other = models.DecimalField(
        **AMOUNT,
        default=ZERO,
        help_text=_("Disbursements funded, compensation, transfers."),
        verbose_name=_("other amounts"),
    )
    service_fee = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("service fee"))
    net_amount = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("net amount"))
    transferred = models.DecimalField(
        **AMOUNT,
        default=ZERO,
        help_text=_(
            "Moved to (or from) the funder this day: the net of every day since the last "
            "settlement day of its calendar, this one included; zero on other days."
        ),
        verbose_name=_("transferred"),
    )
    settlement_day = models.BooleanField(default=True, verbose_name=_("settlement day"))
    entry_ids = models.JSONField(default=list, verbose_name=_("entry ids"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.CharField(max_length=150, verbose_name=_("created by"))

    class Meta:
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")
        ordering = ["-business_date", "funder"]
        constraints = [
            models.UniqueConstraint(fields=["funder", "business_date"], name="settlement_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.funder.code} {self.business_date}: {self.net_amount}"


class AssetTransfer(models.Model):
    """Loans (or one funder's share of them) sold to another funder at a cut-off date (an ABS
    pool, a loan sale): the price, the carrying amount moved and the gain or loss booked."""

    reference = models.SlugField(max_length=40, unique=True, verbose_name=_("reference"))
    seller = models.ForeignKey(
        Funder, on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("seller")
    )
    buyer = models.ForeignKey(
        Funder, on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("buyer")
    )
    cut_off = models.DateField(verbose_name=_("cut off"))
    price = models.DecimalField(**AMOUNT, verbose_name=_("price"))
    carrying_amount = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("carrying amount"))
    gain_loss = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("gain loss"))
    loan_ids = models.JSONField(default=list, verbose_name=_("loan ids"))
    share = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        verbose_name=_("share sold"),
        help_text=_(
            "The points of each loan sold (0.20 of a 0.70 share); blank: the seller's whole share."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.CharField(max_length=150, verbose_name=_("created by"))

    class Meta:
        verbose_name = _("asset transfer")
        verbose_name_plural = _("asset transfers")
        ordering = ["-cut_off", "reference"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.seller.code} → {self.buyer.code}"
