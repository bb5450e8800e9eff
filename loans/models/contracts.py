from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from core.money import AMOUNT, RATE, ZERO

from .borrowers import Borrower, CreditAssessment
from .fields import default_allocation_order
from .products import Product


class Loan(models.Model):
    """A signed loan contract: the terms it was signed on (a snapshot, never the live product),
    the APR disclosed, and its state. Money lives in the ledger, per loan (`loan_id` = `id`)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        ACTIVE = "active", _("Active")
        DELINQUENT = "delinquent", _("Delinquent")
        PAID_OFF = "paid_off", _("Paid off")
        CHARGED_OFF = "charged_off", _("Charged off")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.ACTIVE, Status.DELINQUENT)

    reference = models.CharField(max_length=32, unique=True)
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="loans")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="loans")
    status = FSMField(default=Status.PENDING, choices=Status.choices, protected=True)

    # The terms signed on (copied from the product and the quote at signing).
    currency = models.CharField(max_length=3)
    principal = models.DecimalField(**AMOUNT)
    annual_rate = models.DecimalField(**RATE)
    term = models.PositiveSmallIntegerField()
    method = models.CharField(max_length=24)
    frequency = models.CharField(max_length=12)
    day_count = models.CharField(max_length=10)
    rounding = models.CharField(max_length=12)
    installment_rounding = models.CharField(max_length=32, default="cent")
    level_convention = models.CharField(max_length=16, default="last_absorbs")
    bullet_interest = models.CharField(max_length=20, default="simple")
    fee_rate = models.DecimalField(**RATE, default=ZERO)
    upfront_fee = models.DecimalField(**AMOUNT, default=ZERO)
    upfront_fee_withheld = models.BooleanField(default=True)
    penalty_rate = models.DecimalField(**RATE, default=ZERO)
    yield_fees = models.JSONField(
        default=list, blank=True, help_text="The product's yield fees at signing."
    )
    direct_costs = models.DecimalField(**AMOUNT, default=ZERO)
    grace_days = models.PositiveSmallIntegerField(default=0)
    allocation_order = models.JSONField(default=default_allocation_order)
    interest_in_advance = models.BooleanField(
        default=False, help_text="The product's rule at signing (see Product)."
    )
    calendar = models.CharField(max_length=16, blank=True, default="")
    shift_rule = models.CharField(max_length=24, default="none")
    prepayment_mode = models.CharField(max_length=20, default="shorten_term")
    cooling_off_days = models.PositiveSmallIntegerField(default=0)
    charge_off_days_past_due = models.PositiveSmallIntegerField(default=180)
    jurisdiction = models.CharField(max_length=8, default="CN")
    terms_snapshot = models.JSONField(default=dict, help_text="Every product term at signing.")
    credit_score = models.PositiveSmallIntegerField(null=True, blank=True)
    credit_assessment = models.ForeignKey(
        CreditAssessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
        help_text="The lender's assessment the price was set on (none: the worst band).",
    )

    # Floating rate (copied from the product at signing; no index: a fixed rate).
    rate_index = models.CharField(max_length=12, blank=True, default="")
    rate_margin = models.DecimalField(**RATE, default=ZERO)
    rate_floor = models.DecimalField(**RATE, null=True, blank=True)
    rate_ceiling = models.DecimalField(**RATE, null=True, blank=True)
    rate_reset_months = models.PositiveSmallIntegerField(default=0)
    rate_reset_day = models.PositiveSmallIntegerField(default=0)
    next_rate_reset = models.DateField(null=True, blank=True)

    # Dates (business dates).
    application_date = models.DateField()
    start_date = models.DateField(help_text="Planned (then actual) disbursement date.")
    first_due_date = models.DateField(null=True, blank=True)
    disbursed_on = models.DateField(null=True, blank=True)
    maturity_date = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    # Disclosure at signing.
    apr_nominal = models.DecimalField(**RATE)
    apr_effective = models.DecimalField(**RATE)
    apr_cap = models.DecimalField(**RATE, null=True, blank=True)
    apr_cap_rule = models.CharField(max_length=40, blank=True)
    apr_method = models.CharField(
        max_length=12, default="cn_irr", help_text="The APR method of the disclosure."
    )

    # The effective-interest method (set at disbursement): the EIR as an annual effective rate
    # on the product's day count, and the net fees, subsidies and costs deferred (1305).
    effective_rate = models.DecimalField(max_digits=20, decimal_places=12, null=True, blank=True)
    deferred_yield = models.DecimalField(**AMOUNT, default=ZERO)
    yield_amortized = models.DecimalField(
        **AMOUNT, default=ZERO, help_text="Of the deferred yield, amortized into income so far."
    )

    # Kept by the end-of-day close.
    days_past_due = models.PositiveIntegerField(default=0)
    delinquency_bucket = models.CharField(max_length=8, default="current")
    risk_category = models.CharField(max_length=16, default="normal")
    non_accrual = models.BooleanField(default=False)
    restructured_on = models.DateField(
        null=True, blank=True, help_text="The last restructuring (reschedule, re-age, holiday)."
    )
    restructured_until = models.DateField(
        null=True,
        blank=True,
        help_text="End of the observation period: classified at least substandard until then.",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "id"], name="loan_status_id_idx"),
            models.Index(
                fields=["next_rate_reset"],
                name="loan_next_rate_reset_idx",
                condition=models.Q(next_rate_reset__isnull=False),
            ),
        ]
        permissions = [
            ("approve_loan", "Can approve or reject a loan"),
            ("disburse_loan", "Can disburse a loan"),
            ("write_off_loan", "Can write off a loan"),
            ("record_repayment", "Can record and reverse repayments"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    # State machine: services call these, save the loan and log a LoanTransition.
    @transition(field=status, source=Status.PENDING, target=Status.APPROVED)
    def approve(self) -> None:
        """Credit approved; the loan may be disbursed."""

    @transition(field=status, source=[Status.PENDING, Status.APPROVED], target=Status.REJECTED)
    def reject(self) -> None:
        """Declined before disbursement."""

    @transition(
        field=status,
        source=[Status.PENDING, Status.APPROVED, Status.ACTIVE],
        target=Status.CANCELLED,
    )
    def cancel(self) -> None:
        """Withdrawn before disbursement, or within the cooling-off period after it."""

    @transition(field=status, source=Status.APPROVED, target=Status.ACTIVE)
    def activate(self) -> None:
        """Disbursed."""

    @transition(field=status, source=Status.ACTIVE, target=Status.DELINQUENT)
    def mark_delinquent(self) -> None:
        """Past due beyond the grace days."""

    @transition(field=status, source=Status.DELINQUENT, target=Status.ACTIVE)
    def cure(self) -> None:
        """Every overdue amount paid."""

    @transition(field=status, source=[Status.ACTIVE, Status.DELINQUENT], target=Status.PAID_OFF)
    def pay_off(self) -> None:
        """Everything owed paid."""

    @transition(field=status, source=Status.PAID_OFF, target=Status.ACTIVE)
    def reopen(self) -> None:
        """The repayment that paid the loan off was reversed."""

    @transition(field=status, source=[Status.ACTIVE, Status.DELINQUENT], target=Status.CHARGED_OFF)
    def charge_off(self) -> None:
        """Written off."""

    @transition(field=status, source=[Status.PAID_OFF, Status.CHARGED_OFF], target=Status.CLOSED)
    def close(self) -> None:
        """Nothing more will happen on the contract."""


class LoanTransition(models.Model):
    """Every state change: who, on which business date, why."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="transitions")
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    actor = models.CharField(max_length=150)
    business_date = models.DateField()
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.from_status} → {self.to_status}"


class Installment(models.Model):
    """One row of a loan's schedule, with what is due and what was paid per component."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DUE = "due", _("Due")
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    # Indexed by `installment_number_uniq`, whose leading column it is (see Meta).
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="installments", db_index=False
    )
    number = models.PositiveSmallIntegerField()
    period_start = models.DateField()
    due_date = models.DateField()
    days_in_period = models.PositiveSmallIntegerField()
    principal_due = models.DecimalField(**AMOUNT)
    interest_due = models.DecimalField(**AMOUNT)
    fee_due = models.DecimalField(**AMOUNT, default=ZERO)
    penalty_due = models.DecimalField(**AMOUNT, default=ZERO)
    # Recognized in the ledger so far: interest accrues daily (or is caught up when paid early),
    # the period fee is charged when it falls due. Outstanding receivables are accrued - paid.
    interest_accrued = models.DecimalField(**AMOUNT, default=ZERO)
    fee_charged = models.DecimalField(**AMOUNT, default=ZERO)
    # The part of the loan's deferred yield (1305) this period amortizes into interest income by
    # the EIR, planned at disbursement (the rows' amounts sum to `Loan.deferred_yield`).
    yield_amortization = models.DecimalField(**AMOUNT, default=ZERO, db_default=ZERO)
    principal_paid = models.DecimalField(**AMOUNT, default=ZERO)
    interest_paid = models.DecimalField(**AMOUNT, default=ZERO)
    fee_paid = models.DecimalField(**AMOUNT, default=ZERO)
    penalty_paid = models.DecimalField(**AMOUNT, default=ZERO)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    paid_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["loan_id", "number"]
        constraints = [
            # A loan's live rows are numbered uniquely; its cancelled rows keep their numbers
            # (a replaced row's number is taken again). One index over every row, led by the
            # loan, so it is also the loan's index: live rows share the third key (0), each
            # cancelled row has its own (its id). A reset rewrites most of a floating-rate
            # loan's rows and every index gets a new entry per row rewritten (the rows fill
            # their pages, so the update cannot be HOT): the table keeps no more indexes than
            # its readers use.
            models.UniqueConstraint(
                models.F("loan"),
                models.F("number"),
                models.Case(
                    models.When(status="cancelled", then=models.F("id")),
                    default=models.Value(0),
                ),
                name="installment_number_uniq",
            ),
            models.CheckConstraint(
                condition=models.Q(principal_paid__lte=models.F("principal_due"))
                & models.Q(interest_paid__lte=models.F("interest_due"))
                & models.Q(fee_paid__lte=models.F("fee_due"))
                & models.Q(penalty_paid__lte=models.F("penalty_due")),
                name="installment_not_overpaid",
            ),
            models.CheckConstraint(
                condition=models.Q(interest_accrued__lte=models.F("interest_due"))
                & models.Q(fee_charged__lte=models.F("fee_due"))
                & models.Q(interest_paid__lte=models.F("interest_accrued"))
                & models.Q(fee_paid__lte=models.F("fee_charged")),
                name="installment_recognized_within_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.number} {self.due_date}"

    @property
    def total_due(self):
        return self.principal_due + self.interest_due + self.fee_due + self.penalty_due

    @property
    def total_paid(self):
        return self.principal_paid + self.interest_paid + self.fee_paid + self.penalty_paid

    @property
    def outstanding(self):
        return self.total_due - self.total_paid
