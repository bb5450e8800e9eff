"""Collateral securing a loan: the loan's own security, which the lending limits recheck at
approval and disbursement (origination records it at a drawdown and releases it when the loan
is settled)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT, RATE

from .borrowers import Borrower
from .contracts import Loan


class Collateral(models.Model):
    """A pledged asset securing a loan (policy loans: an insurance policy's cash value),
    recorded at drawdown and released when the loan is paid off."""

    class Kind(models.TextChoices):
        INSURANCE_POLICY = "insurance_policy", _("Insurance policy cash value (保单)")

    class Status(models.TextChoices):
        PLEDGED = "pledged", _("Pledged")
        RELEASED = "released", _("Released")

    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, related_name="collateral", verbose_name=_("borrower")
    )
    loan = models.OneToOneField(
        Loan, on_delete=models.PROTECT, related_name="collateral", verbose_name=_("loan")
    )
    kind = models.CharField(
        max_length=24, choices=Kind.choices, default=Kind.INSURANCE_POLICY, verbose_name=_("kind")
    )
    insurer = models.CharField(max_length=120, verbose_name=_("insurer"))
    policy_number = models.CharField(max_length=64, verbose_name=_("policy number"))
    cash_value = models.DecimalField(**AMOUNT, verbose_name=_("cash value"))
    valued_on = models.DateField(verbose_name=_("valued on"))
    advance_ratio = models.DecimalField(**RATE, verbose_name=_("advance ratio"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PLEDGED, verbose_name=_("status")
    )
    pledged_on = models.DateField(verbose_name=_("pledged on"))
    released_on = models.DateField(null=True, blank=True, verbose_name=_("released on"))

    class Meta:
        verbose_name = _("collateral")
        verbose_name_plural = _("collaterals")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["insurer", "policy_number"],
                condition=models.Q(status="pledged"),
                name="collateral_pledged_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_number} ({self.get_status_display()})"
