"""Loan modifications: a dated, audited change of a signed loan's schedule after disbursement.

A modification is quoted (previewed), requested by a maker (staff or the borrower), approved by
a different checker — the database refuses a checker who is the maker — and applied in one
transaction by the service of its kind (``loans.services.modifications``). It keeps the open
schedule before and after, the APR of the rest of the loan before and after, and the journal
entries applying it posted (none when it only moved amounts not yet recognized).
"""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import AMOUNT, RATE


class LoanModification(models.Model):
    class Kind(models.TextChoices):
        PAYMENT_HOLIDAY = "payment_holiday", _("Payment holiday (延期还款)")
        RESCHEDULE = "reschedule", _("Reschedule / term extension (重组)")
        RATE_CHANGE = "rate_change", _("Rate change")
        REAGE = "reage", _("Re-aging (arrears capitalized)")
        SETTLEMENT = "settlement", _("Settlement / discounted payoff (减免)")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved (a settlement awaiting its payments)")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")
        VOIDED = "voided", _("Voided")

    loan = models.ForeignKey(
        "loans.Loan", on_delete=models.PROTECT, related_name="modifications", verbose_name=_("loan")
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.REQUESTED, verbose_name=_("status")
    )
    effective_date = models.DateField(
        help_text=_(
            "The business date it takes effect: the first installment period starting on "
            "or after it is the first one rebuilt."
        ),
        verbose_name=_("effective date"),
    )
    parameters = models.JSONField(
        default=dict,
        help_text=_("What the kind's service was asked."),
        verbose_name=_("parameters"),
    )
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    settlement_amount = models.DecimalField(
        **AMOUNT,
        null=True,
        blank=True,
        help_text=_("A settlement: what the borrower agreed to pay, below the payoff quote."),
        verbose_name=_("settlement amount"),
    )
    deadline = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "A settlement: the last value date its payments count on; the close of that "
            "day voids it when they fall short."
        ),
        verbose_name=_("deadline"),
    )
    quote = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "A settlement: the payoff quote, the discount and how it is booked "
            "(penalty, interest and fees waived first, principal forgiven last)."
        ),
        verbose_name=_("quote"),
    )
    change = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "What applying it changed (rows created, cancelled and restated, the loan's "
            "terms before, its live entry), so that a back-dated payment can unwind and re-apply it."
        ),
        verbose_name=_("change"),
    )
    schedule_before = models.JSONField(
        default=list, help_text=_("The open rows it replaced."), verbose_name=_("schedule before")
    )
    schedule_after = models.JSONField(
        default=list, help_text=_("The rows it scheduled."), verbose_name=_("schedule after")
    )
    apr_before = models.DecimalField(**RATE, null=True, blank=True, verbose_name=_("APR before"))
    apr_after = models.DecimalField(**RATE, null=True, blank=True, verbose_name=_("APR after"))
    installment_before = models.DecimalField(
        max_digits=20, decimal_places=2, null=True, verbose_name=_("installment before")
    )
    installment_after = models.DecimalField(
        max_digits=20, decimal_places=2, null=True, verbose_name=_("installment after")
    )
    effective_rate_before = models.DecimalField(
        max_digits=20,
        decimal_places=12,
        null=True,
        blank=True,
        help_text=_("The loan's effective interest rate (EIR) before it was applied."),
        verbose_name=_("effective rate before"),
    )
    effective_rate_after = models.DecimalField(
        max_digits=20,
        decimal_places=12,
        null=True,
        blank=True,
        help_text=_(
            "The EIR the unamortized deferred yield was re-spread by over the new rows: the "
            "rate discounting their cash flows to the carrying amount at the boundary."
        ),
        verbose_name=_("effective rate after"),
    )
    yield_respread = models.DecimalField(
        **AMOUNT,
        null=True,
        blank=True,
        help_text=_(
            "Of the deferred fees and subsidies (1305), what was not yet amortized at the "
            "boundary and was re-spread over the new rows."
        ),
        verbose_name=_("yield respread"),
    )
    requested_by = models.CharField(max_length=150, verbose_name=_("requested by"))
    requested_on = models.DateField(
        help_text=_("The business date it was requested on."), verbose_name=_("requested on")
    )
    checked_by = models.CharField(max_length=150, blank=True, verbose_name=_("checked by"))
    decided_on = models.DateField(null=True, blank=True, verbose_name=_("decided on"))
    decision_note = models.CharField(max_length=255, blank=True, verbose_name=_("decision note"))
    applied_on = models.DateField(null=True, blank=True, verbose_name=_("applied on"))
    entry_ids = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Entries applying it posted."),
        verbose_name=_("entry ids"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("loan modification")
        verbose_name_plural = _("loan modifications")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "loan"], name="modification_status_idx")]
        permissions = [
            ("request_modification", "Can request a loan modification"),
            ("approve_modification", "Can approve or reject another user's loan modification"),
            ("request_settlement", "Can request a settlement (discounted payoff) of a loan"),
            (
                "approve_settlement",
                "Can approve another user's settlement within the discount limit of a group",
            ),
        ]
        constraints = [
            # Maker-checker in the database: nobody decides their own request.
            models.CheckConstraint(
                condition=models.Q(checked_by="") | ~models.Q(checked_by=models.F("requested_by")),
                name="modification_checker_not_maker",
            ),
            models.CheckConstraint(
                condition=models.Q(status="requested") | ~models.Q(checked_by=""),
                name="modification_decided_has_checker",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s on loan %(loan)s (%(status)s)") % {
            "kind": self.get_kind_display(),
            "loan": self.loan_id,
            "status": self.get_status_display(),
        }


class SettlementLimit(models.Model):
    """The largest settlement discount a staff group may approve: both a share of the payoff
    quote and an amount (a checker may approve what one of their groups' limits allows)."""

    group = models.OneToOneField(
        "auth.Group",
        on_delete=models.CASCADE,
        related_name="settlement_limit",
        verbose_name=_("group"),
    )
    max_share = models.DecimalField(
        **RATE,
        help_text=_("The discount as a fraction of the payoff quote (0.2 = 20%)."),
        verbose_name=_("max share"),
    )
    max_amount = models.DecimalField(
        **AMOUNT, help_text=_("The discount in the loan's currency."), verbose_name=_("max amount")
    )

    class Meta:
        verbose_name = _("settlement limit")
        verbose_name_plural = _("settlement limits")
        ordering = ["max_amount"]

    def __str__(self) -> str:
        return gettext("%(group)s: up to %(share)s and %(amount)s") % {
            "group": self.group,
            "share": f"{self.max_share:.2%}",
            "amount": self.max_amount,
        }
