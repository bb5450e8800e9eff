from django.db import models

from core.money import AMOUNT, ZERO

from .funders import Funder


class SettlementRun(models.Model):
    """One funder's settlement of one business date: the day's collections for its share by
    component, the platform's service fee and the net amount due (negative: the funder pays
    in, e.g. to fund its share of the day's disbursements), transferred on the settlement days
    of its calendar."""

    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="settlements")
    business_date = models.DateField()
    principal = models.DecimalField(**AMOUNT, default=ZERO)
    interest = models.DecimalField(**AMOUNT, default=ZERO)
    fee = models.DecimalField(**AMOUNT, default=ZERO)
    penalty = models.DecimalField(**AMOUNT, default=ZERO)
    recoveries = models.DecimalField(**AMOUNT, default=ZERO)
    other = models.DecimalField(
        **AMOUNT, default=ZERO, help_text="Disbursements funded, compensation, transfers."
    )
    service_fee = models.DecimalField(**AMOUNT, default=ZERO)
    net_amount = models.DecimalField(**AMOUNT, default=ZERO)
    transferred = models.DecimalField(
        **AMOUNT,
        default=ZERO,
        help_text="Moved to (or from) the funder this day: the net of every day since the last "
        "settlement day of its calendar, this one included; zero on other days.",
    )
    settlement_day = models.BooleanField(default=True)
    entry_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-business_date", "funder"]
        constraints = [
            models.UniqueConstraint(fields=["funder", "business_date"], name="settlement_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.funder.code} {self.business_date}: {self.net_amount}"


class AssetTransfer(models.Model):
    """Loans (or one funder's share of them) sold to another funder at a cut-off date (an ABS
    pool, a loan sale): the price, the carrying amount moved and the gain or loss booked."""

    reference = models.SlugField(max_length=40, unique=True)
    seller = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="transfers_out")
    buyer = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="transfers_in")
    cut_off = models.DateField()
    price = models.DecimalField(**AMOUNT)
    carrying_amount = models.DecimalField(**AMOUNT, default=ZERO)
    gain_loss = models.DecimalField(**AMOUNT, default=ZERO)
    loan_ids = models.JSONField(default=list)
    share = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="The points of each loan sold (0.20 of a 0.70 share); blank: the seller's whole "
        "share.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-cut_off", "reference"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.seller.code} → {self.buyer.code}"
