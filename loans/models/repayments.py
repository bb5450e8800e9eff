from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT, ZERO

from .contracts import Installment, Loan


class Repayment(models.Model):
    """Money the borrower paid (or the lender paid back) on a loan, and how it was applied.

    A recovery (a payment on a charged-off loan) is applied to nothing: the write-off took the
    receivables off the books, so it is recoveries income (6111) of the loan, up to the amount
    written off (`loans.services.recoveries`).

    A repayment is applied once per *generation*: a back-dated payment or a reversal unwinds the
    repayments after it (reversal entries, allocations set inactive) and applies them again, each
    time under the next generation. `entry_id` is the live application's journal entry;
    `entry_ids` every entry ever posted for it (applications, unwinds, reversal).
    """

    class Kind(models.TextChoices):
        REPAYMENT = "repayment", _("Repayment")
        PREPAYMENT = "prepayment", _("Prepayment")
        PAYOFF = "payoff", _("Payoff")
        COOLING_OFF = "cooling_off", _("Cooling-off cancellation")
        REFUND = "refund", _("Overpayment refund")
        RECOVERY = "recovery", _("Recovery after charge-off")

    class Source(models.TextChoices):
        """Who collected a recovery (a payment on a charged-off loan)."""

        BORROWER = "borrower", _("Paid by the borrower")
        COLLECTIONS = "collections", _("In-house collections")
        AGENCY = "agency", _("Collection agency")
        SALE = "sale", _("Sale of the debt")

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        REVERSED = "reversed", _("Reversed")

    # Kinds applied to the schedule (and replayed in value-date order).
    APPLIED_KINDS = (Kind.REPAYMENT, Kind.PREPAYMENT, Kind.PAYOFF)

    # Indexed by (loan, status, value_date) below: no second index on the insert path.
    loan = models.ForeignKey(
        Loan,
        on_delete=models.PROTECT,
        related_name="repayments",
        db_index=False,
        verbose_name=_("loan"),
    )
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.REPAYMENT, verbose_name=_("kind")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.POSTED, verbose_name=_("status")
    )
    amount = models.DecimalField(**AMOUNT, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    value_date = models.DateField(verbose_name=_("value date"))
    business_date = models.DateField(verbose_name=_("business date"))
    channel = models.CharField(max_length=32, blank=True, verbose_name=_("channel"))
    source = models.CharField(
        max_length=16,
        choices=Source.choices,
        blank=True,
        default="",
        help_text=_("Recoveries: who collected it. Empty for other kinds."),
        verbose_name=_("source"),
    )
    external_reference = models.CharField(
        max_length=64, blank=True, verbose_name=_("external reference")
    )
    idempotency_key = models.CharField(max_length=100, verbose_name=_("idempotency key"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    prepayment_mode = models.CharField(max_length=20, blank=True, verbose_name=_("prepayment mode"))
    overpayment = models.DecimalField(
        **AMOUNT,
        default=ZERO,
        help_text=_("Change to the customer-overpayment liability: held (+), refunded (−)."),
        verbose_name=_("overpayment"),
    )
    generation = models.PositiveSmallIntegerField(default=1, verbose_name=_("generation"))
    entry_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("entry ID"))
    entry_ids = models.JSONField(default=list, blank=True, verbose_name=_("entry ids"))
    schedule_change = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("What the live application changed in the schedule."),
        verbose_name=_("schedule change"),
    )
    reversed_on = models.DateField(null=True, blank=True, verbose_name=_("reversed on"))
    reversal_reason = models.CharField(
        max_length=255, blank=True, verbose_name=_("reversal reason")
    )
    actor = models.CharField(max_length=150, default="system", verbose_name=_("actor"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        ordering = ["loan_id", "value_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="repayment_idempotency_uniq"),
        ]
        indexes = [
            models.Index(fields=["loan", "status", "value_date"], name="repayment_loan_status_idx"),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s %(amount)s on %(date)s (%(status)s)") % {
            "kind": self.get_kind_display(),
            "amount": self.amount,
            "date": self.value_date,
            "status": self.get_status_display(),
        }


class Allocation(models.Model):
    """The part of a repayment applied to one component of one installment.

    `recognized` is the interest or fee the repayment had to recognize first (catch-up: paid
    before the end-of-day close accrued or charged it); undoing the allocation takes it back.
    """

    class Component(models.TextChoices):
        PRINCIPAL = "principal", _("Principal")
        INTEREST = "interest", _("Interest")
        FEE = "fee", _("Fee")
        PENALTY = "penalty", _("Penalty")

    repayment = models.ForeignKey(
        Repayment, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("repayment")
    )
    # Looked up by repayment, not by installment: no index on the insert path.
    installment = models.ForeignKey(
        Installment,
        on_delete=models.PROTECT,
        related_name="allocations",
        db_index=False,
        verbose_name=_("installment"),
    )
    component = models.CharField(
        max_length=10, choices=Component.choices, verbose_name=_("component")
    )
    amount = models.DecimalField(**AMOUNT, verbose_name=_("amount"))
    recognized = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("recognized"))
    generation = models.PositiveSmallIntegerField(default=1, verbose_name=_("generation"))
    active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["repayment_id", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_positive"),
        ]

    def __str__(self) -> str:
        return gettext("%(component)s %(amount)s → installment %(installment)s") % {
            "component": self.get_component_display(),
            "amount": self.amount,
            "installment": self.installment_id,
        }
