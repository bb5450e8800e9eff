"""Payment orders through a gateway, debit mandates, the auto-debit rule, bank statements.

A `PaymentOrder` has exactly one ledger effect once it succeeds, whatever the gateway's callbacks
do, and the database keeps it so: the effect's key (the repayment's or the disbursement's
idempotency key, themselves unique in their own tables) is unique here, and a `CHECK` ties it to
the status: a succeeded (or reversed) order has one, any other order none.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from core.money import AMOUNT


class PaymentOrder(models.Model):
    class Direction(models.TextChoices):
        COLLECT = "collect", _("Collect (money in)")
        PAYOUT = "payout", _("Payout (money out)")

    class Purpose(models.TextChoices):
        REPAYMENT = "repayment", _("Borrower-initiated repayment")
        AUTO_DEBIT = "auto_debit", _("Auto-debit of a due installment")
        DISBURSEMENT = "disbursement", _("Disbursement")

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        SUBMITTED = "submitted", _("Submitted")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        REVERSED = "reversed", _("Reversed (chargeback / return)")

    OPEN = (Status.CREATED, Status.SUBMITTED)
    SETTLED = (Status.SUCCEEDED, Status.REVERSED)

    reference = models.CharField(
        max_length=32,
        unique=True,
        help_text=_("Pay-by reference, and the gateway's order key."),
        verbose_name=_("reference"),
    )
    idempotency_key = models.CharField(
        max_length=100, unique=True, verbose_name=_("idempotency key")
    )
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    direction = models.CharField(
        max_length=8, choices=Direction.choices, verbose_name=_("direction")
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices, verbose_name=_("purpose"))
    loan = models.ForeignKey(
        "loans.Loan",
        on_delete=models.PROTECT,
        related_name="payment_orders",
        verbose_name=_("loan"),
    )
    installment = models.ForeignKey(
        "loans.Installment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_orders",
        verbose_name=_("installment"),
    )
    mandate = models.ForeignKey(
        "payments.Mandate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("mandate"),
    )
    amount = models.DecimalField(**AMOUNT, verbose_name=_("amount"))
    amount_settled = models.DecimalField(
        **AMOUNT,
        null=True,
        blank=True,
        help_text=_("What the gateway moved (a partial debit)."),
        verbose_name=_("amount settled"),
    )
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    status = FSMField(
        default=Status.CREATED, choices=Status.choices, protected=True, verbose_name=_("status")
    )
    business_date = models.DateField(
        help_text=_("The business date it was created on."), verbose_name=_("business date")
    )
    scheduled_for = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Auto-debit: when the attempt may be sent."),
        verbose_name=_("scheduled for"),
    )
    attempt = models.PositiveSmallIntegerField(default=1, verbose_name=_("attempt"))
    gateway = models.CharField(max_length=32, verbose_name=_("gateway"))
    provider_reference = models.CharField(
        max_length=64, blank=True, verbose_name=_("provider reference")
    )
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    settled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("settled at"))
    failure_reason = models.CharField(max_length=255, blank=True, verbose_name=_("failure reason"))
    effect_key = models.CharField(
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The idempotency key of its one ledger effect (repayment or disbursement)."),
        verbose_name=_("effect key"),
    )
    reversal_key = models.CharField(
        max_length=100, null=True, blank=True, unique=True, verbose_name=_("reversal key")
    )
    actor = models.CharField(max_length=150, default="system", verbose_name=_("actor"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "scheduled_for"], name="payorder_status_sched_idx"),
            models.Index(fields=["loan", "status"], name="payorder_loan_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["succeeded", "reversed"], effect_key__isnull=False)
                | (~Q(status__in=["succeeded", "reversed"]) & Q(effect_key__isnull=True)),
                name="payorder_effect_iff_settled",
            ),
            models.CheckConstraint(
                condition=Q(status="reversed", reversal_key__isnull=False)
                | (~Q(status="reversed") & Q(reversal_key__isnull=True)),
                name="payorder_reversal_iff_reversed",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payorder_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_direction_display()} {self.amount} ({self.get_status_display()})"

    @transition(field=status, source=Status.CREATED, target=Status.SUBMITTED)
    def submit(self) -> None:
        """The gateway accepted it."""

    @transition(field=status, source=[Status.CREATED, Status.SUBMITTED], target=Status.SUCCEEDED)
    def succeed(self) -> None:
        """Settled (a callback may beat the submit's answer: from created too)."""

    @transition(field=status, source=Status.FAILED, target=Status.SUCCEEDED)
    def succeed_after_failure(self) -> None:
        """The gateway reported a failure, then (verified: a signed callback or our own status
        query) that the money moved after all: the report of success wins, once."""

    @transition(field=status, source=[Status.CREATED, Status.SUBMITTED], target=Status.FAILED)
    def fail(self) -> None:
        """The gateway refused or could not move the money."""

    @transition(field=status, source=[Status.CREATED, Status.SUBMITTED], target=Status.EXPIRED)
    def expire(self) -> None:
        """No answer in time, and the gateway does not know it: it never moved money."""

    @transition(field=status, source=Status.SUCCEEDED, target=Status.REVERSED)
    def reverse(self) -> None:
        """A chargeback or a return took the money back."""


class PaymentOrderEvent(models.Model):
    """Every report about an order (submit answer, callback, poll) and what it did."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        IGNORED = "ignored", _("Ignored (already in that state, or stale)")
        QUEUED = "queued", _("Queued for staff (not handled automatically)")

    order = models.ForeignKey(
        PaymentOrder,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("payment order"),
    )
    source = models.CharField(max_length=16, verbose_name=_("source"))
    reported_status = models.CharField(max_length=16, verbose_name=_("reported status"))
    outcome = models.CharField(max_length=8, choices=Outcome.choices, verbose_name=_("outcome"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("payment order event")
        verbose_name_plural = _("payment order events")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.source} {self.reported_status} ({self.get_outcome_display()})"


class OrderReview(models.Model):
    """A gateway report the ledger does not handle on its own, queued for staff: money moved
    (or came back) where an automatic booking could be wrong. Nothing was posted for it."""

    class Kind(models.TextChoices):
        LATE_SUCCESS = "late_success", _("Success after failure (not bookable automatically)")
        PAYOUT_RETURNED = "payout_returned", _("Payout returned after repayments")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    order = models.ForeignKey(
        PaymentOrder,
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name=_("payment order"),
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    reason = models.CharField(max_length=255, verbose_name=_("reason"))
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.OPEN, verbose_name=_("status")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolution_note = models.CharField(
        max_length=255, blank=True, verbose_name=_("resolution note")
    )

    class Meta:
        verbose_name = _("order review")
        verbose_name_plural = _("order reviews")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind"], name="orderreview_once_per_order_and_kind"
            )
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s of order %(order)s (%(status)s)") % {
            "kind": self.get_kind_display(),
            "order": self.order_id,
            "status": self.get_status_display(),
        }


class Mandate(models.Model):
    """A borrower's consent to debit an account for a loan's installments (代扣授权)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REVOKED = "revoked", _("Revoked")

    borrower = models.ForeignKey(
        "loans.Borrower", on_delete=models.PROTECT, related_name="+", verbose_name=_("borrower")
    )
    loan = models.ForeignKey(
        "loans.Loan", on_delete=models.PROTECT, related_name="mandates", verbose_name=_("loan")
    )
    account_reference = models.CharField(
        max_length=64, help_text=_("The account, masked."), verbose_name=_("account reference")
    )
    consent_text = models.TextField(verbose_name=_("consent text"))
    consent_at = models.DateTimeField(verbose_name=_("consent at"))
    consent_channel = models.CharField(
        max_length=16, default="app", verbose_name=_("consent channel")
    )
    allow_partial = models.BooleanField(
        default=True,
        help_text=_("Debit what the account holds when it holds less than due."),
        verbose_name=_("allow partial"),
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.ACTIVE, verbose_name=_("status")
    )
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=Q(status="active"), name="mandate_one_active_per_loan"
            )
        ]

    def __str__(self) -> str:
        return gettext("Mandate %(id)s on loan %(loan)s (%(status)s)") % {
            "id": self.pk,
            "loan": self.loan_id,
            "status": self.get_status_display(),
        }


class AutoDebitRule(models.Model):
    """The limits of auto-debit attempts, as data (the row named ``default`` applies)."""

    name = models.CharField(max_length=32, unique=True, default="default", verbose_name=_("name"))
    max_attempts_per_day = models.PositiveSmallIntegerField(
        default=3, verbose_name=_("max attempts per day")
    )
    max_attempts_per_installment = models.PositiveSmallIntegerField(
        default=6, verbose_name=_("max attempts per installment")
    )
    first_attempt_at = models.TimeField(
        help_text=_("Local time of the day's first attempt."), verbose_name=_("first attempt at")
    )
    retry_spacing_minutes = models.PositiveIntegerField(
        default=180, verbose_name=_("retry spacing minutes")
    )
    quiet_from = models.TimeField(
        help_text=_("No attempt from this local time …"), verbose_name=_("quiet from")
    )
    quiet_until = models.TimeField(
        help_text=_("… until this one (may wrap past midnight)."), verbose_name=_("quiet until")
    )

    class Meta:
        verbose_name = _("auto debit rule")
        verbose_name_plural = _("auto debit rules")

    def __str__(self) -> str:
        return self.name


class BankStatement(models.Model):
    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        CAMT053 = "camt053", _("ISO 20022 camt.053")

    account = models.CharField(max_length=64, verbose_name=_("bank account"))
    statement_id = models.CharField(max_length=64, verbose_name=_("statement ID"))
    format = models.CharField(max_length=8, choices=Format.choices, verbose_name=_("format"))
    statement_date = models.DateField(verbose_name=_("statement date"))
    opening_balance = models.DecimalField(
        **AMOUNT, null=True, blank=True, verbose_name=_("opening balance")
    )
    closing_balance = models.DecimalField(
        **AMOUNT, null=True, blank=True, verbose_name=_("closing balance")
    )
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    imported_by = models.CharField(max_length=150, verbose_name=_("imported by"))
    imported_at = models.DateTimeField(auto_now_add=True, verbose_name=_("imported at"))

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-statement_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "statement_id"], name="statement_once_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.statement_id}"


class StatementLine(models.Model):
    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched")
        UNMATCHED = "unmatched", _("Unmatched (queued)")
        DUPLICATE = "duplicate", _("Duplicate of an earlier line (queued)")
        SUSPENSE = "suspense", _("Booked to suspense")

    QUEUED = (Status.UNMATCHED, Status.DUPLICATE)

    statement = models.ForeignKey(
        BankStatement, on_delete=models.PROTECT, related_name="lines", verbose_name=_("statement")
    )
    line_number = models.PositiveIntegerField(verbose_name=_("line number"))
    booking_date = models.DateField(verbose_name=_("booking date"))
    amount = models.DecimalField(
        **AMOUNT,
        help_text=_("Credit (money in) positive, debit negative."),
        verbose_name=_("amount"),
    )
    reference = models.CharField(max_length=140, blank=True, verbose_name=_("reference"))
    bank_reference = models.CharField(max_length=64, blank=True, verbose_name=_("bank reference"))
    counterparty = models.CharField(max_length=140, blank=True, verbose_name=_("counterparty"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.UNMATCHED, verbose_name=_("status")
    )
    match_rule = models.CharField(max_length=16, blank=True, verbose_name=_("match rule"))

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement_id", "line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "line_number"], name="statement_line_number_uniq"
            )
        ]
        indexes = [models.Index(fields=["status", "booking_date"], name="stmtline_status_idx")]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.reference}"


class StatementMatch(models.Model):
    """One part of a statement line matched to an order (or a clearing journal line). A line
    split over several orders has several matches; an order or a journal line is matched once."""

    line = models.ForeignKey(
        StatementLine,
        on_delete=models.PROTECT,
        related_name="matches",
        verbose_name=_("statement line"),
    )
    order = models.OneToOneField(
        PaymentOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="match",
        verbose_name=_("payment order"),
    )
    journal_line_id = models.BigIntegerField(
        null=True, blank=True, unique=True, verbose_name=_("journal line ID")
    )
    amount = models.DecimalField(**AMOUNT, verbose_name=_("amount"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("statement match")
        verbose_name_plural = _("statement matches")

    def __str__(self) -> str:
        return gettext("line %(line)s: %(amount)s") % {"line": self.line_id, "amount": self.amount}


class ReconciliationRequest(models.Model):
    """Staff's resolution of a queued statement line (match, split or suspense), made by one
    user and applied only when another approves it (`core.maker_checker`)."""

    class Kind(models.TextChoices):
        MATCH = "match", _("Match to one order")
        SPLIT = "split", _("Split over several orders")
        SUSPENSE = "suspense", _("Book to suspense")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPLIED = "applied", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    line = models.ForeignKey(
        StatementLine,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("statement line"),
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, verbose_name=_("kind"))
    order_references = models.JSONField(
        default=list, blank=True, verbose_name=_("order references")
    )
    reason = models.CharField(max_length=255, verbose_name=_("reason"))
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(auto_now_add=True, verbose_name=_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_note = models.CharField(max_length=255, blank=True, verbose_name=_("decision note"))
    entry_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("entry ID"))

    class Meta:
        verbose_name = _("reconciliation request")
        verbose_name_plural = _("reconciliation requests")
        ordering = ["-id"]

    def __str__(self) -> str:
        return gettext("%(kind)s of line %(line)s (%(status)s)") % {
            "kind": self.get_kind_display(),
            "line": self.line_id,
            "status": self.get_status_display(),
        }
