from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from calc.classification import Category
from core.choices import value_choices
from core.money import AMOUNT, RATE, ZERO

from .borrowers import Borrower, CreditAssessment
from .fields import default_allocation_order
from .products import Product


def product_choices(name: str) -> list:
    """The codes a loan copies from its product, named as the product names them (so that
    lists, filters and pages show the name, never the code)."""
    return Product._meta.get_field(name).choices


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

    reference = models.CharField(max_length=32, unique=True, verbose_name=_("reference"))
    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, related_name="loans", verbose_name=_("borrower")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="loans", verbose_name=_("product")
    )
    status = FSMField(
        default=Status.PENDING, choices=Status.choices, protected=True, verbose_name=_("status")
    )

    # The terms signed on (copied from the product and the quote at signing).
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    principal = models.DecimalField(**AMOUNT, verbose_name=_("principal"))
    annual_rate = models.DecimalField(**RATE, verbose_name=_("annual rate"))
    term = models.PositiveSmallIntegerField(verbose_name=_("term"))
    method = models.CharField(
        choices=product_choices("method"), max_length=24, verbose_name=_("method")
    )
    frequency = models.CharField(
        choices=product_choices("frequency"), max_length=12, verbose_name=_("frequency")
    )
    day_count = models.CharField(
        choices=product_choices("day_count"), max_length=10, verbose_name=_("day count")
    )
    rounding = models.CharField(max_length=12, verbose_name=_("rounding"))
    installment_rounding = models.CharField(
        max_length=32, default="cent", verbose_name=_("installment rounding")
    )
    level_convention = models.CharField(
        choices=product_choices("level_convention"),
        max_length=16,
        default="last_absorbs",
        verbose_name=_("level convention"),
    )
    bullet_interest = models.CharField(
        choices=product_choices("bullet_interest"),
        max_length=20,
        default="simple",
        verbose_name=_("bullet interest"),
    )
    fee_rate = models.DecimalField(**RATE, default=ZERO, verbose_name=_("fee rate"))
    upfront_fee = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("upfront fee"))
    upfront_fee_withheld = models.BooleanField(default=True, verbose_name=_("upfront fee withheld"))
    penalty_rate = models.DecimalField(**RATE, default=ZERO, verbose_name=_("penalty rate"))
    yield_fees = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The product's yield fees at signing."),
        verbose_name=_("yield fees"),
    )
    direct_costs = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("direct costs"))
    grace_days = models.PositiveSmallIntegerField(default=0, verbose_name=_("grace days"))
    allocation_order = models.JSONField(
        default=default_allocation_order, verbose_name=_("allocation order")
    )
    interest_in_advance = models.BooleanField(
        default=False,
        help_text=_("The product's rule at signing (see Product)."),
        verbose_name=_("interest in advance"),
    )
    calendar = models.CharField(max_length=16, blank=True, default="", verbose_name=_("calendar"))
    shift_rule = models.CharField(
        choices=product_choices("shift_rule"),
        max_length=24,
        default="none",
        verbose_name=_("shift rule"),
    )
    prepayment_mode = models.CharField(
        choices=product_choices("prepayment_mode"),
        max_length=20,
        default="shorten_term",
        verbose_name=_("prepayment mode"),
    )
    cooling_off_days = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("cooling off days")
    )
    charge_off_days_past_due = models.PositiveSmallIntegerField(
        default=180, verbose_name=_("charge off days past due")
    )
    jurisdiction = models.CharField(max_length=8, default="CN", verbose_name=_("jurisdiction"))
    terms_snapshot = models.JSONField(
        default=dict,
        help_text=_("Every product term at signing."),
        verbose_name=_("terms snapshot"),
    )
    credit_score = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("credit score")
    )
    credit_assessment = models.ForeignKey(
        CreditAssessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
        help_text=_("The lender's assessment the price was set on (none: the worst band)."),
        verbose_name=_("credit assessment"),
    )

    # Floating rate (copied from the product at signing; no index: a fixed rate).
    rate_index = models.CharField(
        choices=product_choices("rate_index"),
        max_length=12,
        blank=True,
        default="",
        verbose_name=_("rate index"),
    )
    rate_margin = models.DecimalField(**RATE, default=ZERO, verbose_name=_("rate margin"))
    rate_floor = models.DecimalField(**RATE, null=True, blank=True, verbose_name=_("rate floor"))
    rate_ceiling = models.DecimalField(
        **RATE, null=True, blank=True, verbose_name=_("rate ceiling")
    )
    rate_reset_months = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("rate reset months")
    )
    rate_reset_day = models.PositiveSmallIntegerField(default=0, verbose_name=_("rate reset day"))
    next_rate_reset = models.DateField(null=True, blank=True, verbose_name=_("next rate reset"))

    # Dates (business dates).
    application_date = models.DateField(verbose_name=_("application date"))
    start_date = models.DateField(
        help_text=_("Planned (then actual) disbursement date."), verbose_name=_("start date")
    )
    first_due_date = models.DateField(null=True, blank=True, verbose_name=_("first due date"))
    disbursed_on = models.DateField(null=True, blank=True, verbose_name=_("disbursed on"))
    maturity_date = models.DateField(null=True, blank=True, verbose_name=_("maturity date"))
    closed_on = models.DateField(null=True, blank=True, verbose_name=_("closed on"))

    # Disclosure at signing.
    apr_nominal = models.DecimalField(**RATE, verbose_name=_("APR nominal"))
    apr_effective = models.DecimalField(**RATE, verbose_name=_("APR effective"))
    apr_cap = models.DecimalField(**RATE, null=True, blank=True, verbose_name=_("APR cap"))
    apr_cap_rule = models.CharField(max_length=40, blank=True, verbose_name=_("APR cap rule"))
    apr_method = models.CharField(
        max_length=12,
        default="cn_irr",
        help_text=_("The APR method of the disclosure."),
        verbose_name=_("APR method"),
    )

    # The effective-interest method (set at disbursement): the EIR as an annual effective rate
    # on the product's day count, and the net fees, subsidies and costs deferred (1305).
    effective_rate = models.DecimalField(
        max_digits=20, decimal_places=12, null=True, blank=True, verbose_name=_("effective rate")
    )
    deferred_yield = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("deferred yield"))
    yield_amortized = models.DecimalField(
        **AMOUNT,
        default=ZERO,
        help_text=_("Of the deferred yield, amortized into income so far."),
        verbose_name=_("yield amortized"),
    )

    # Kept by the end-of-day close.
    days_past_due = models.PositiveIntegerField(default=0, verbose_name=_("days past due"))
    delinquency_bucket = models.CharField(
        max_length=8, default="current", verbose_name=_("delinquency bucket")
    )
    risk_category = models.CharField(
        choices=value_choices(Category),
        max_length=16,
        default="normal",
        verbose_name=_("risk category"),
    )
    non_accrual = models.BooleanField(default=False, verbose_name=_("non accrual"))
    restructured_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("The last restructuring (reschedule, re-age, holiday)."),
        verbose_name=_("restructured on"),
    )
    restructured_until = models.DateField(
        null=True,
        blank=True,
        help_text=_("End of the observation period: classified at least substandard until then."),
        verbose_name=_("restructured until"),
    )

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
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

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("loan")
    )
    # The loan's statuses (choices only name them: a transition is written by the state machine)
    from_status = models.CharField(
        max_length=16, choices=Loan.Status.choices, verbose_name=_("from status")
    )
    to_status = models.CharField(
        max_length=16, choices=Loan.Status.choices, verbose_name=_("to status")
    )
    actor = models.CharField(max_length=150, verbose_name=_("actor"))
    business_date = models.DateField(verbose_name=_("business date"))
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("loan transition")
        verbose_name_plural = _("loan transitions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.get_from_status_display()} → {self.get_to_status_display()}"


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
        Loan,
        on_delete=models.PROTECT,
        related_name="installments",
        db_index=False,
        verbose_name=_("loan"),
    )
    number = models.PositiveSmallIntegerField(verbose_name=_("number"))
    period_start = models.DateField(verbose_name=_("period start"))
    due_date = models.DateField(verbose_name=_("due date"))
    days_in_period = models.PositiveSmallIntegerField(verbose_name=_("days in period"))
    principal_due = models.DecimalField(**AMOUNT, verbose_name=_("principal due"))
    interest_due = models.DecimalField(**AMOUNT, verbose_name=_("interest due"))
    fee_due = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("fee due"))
    penalty_due = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("penalty due"))
    # Recognized in the ledger so far: interest accrues daily (or is caught up when paid early),
    # the period fee is charged when it falls due. Outstanding receivables are accrued - paid.
    interest_accrued = models.DecimalField(
        **AMOUNT, default=ZERO, verbose_name=_("interest accrued")
    )
    fee_charged = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("fee charged"))
    # The part of the loan's deferred yield (1305) this period amortizes into interest income by
    # the EIR, planned at disbursement (the rows' amounts sum to `Loan.deferred_yield`).
    yield_amortization = models.DecimalField(
        **AMOUNT, default=ZERO, db_default=ZERO, verbose_name=_("yield amortization")
    )
    principal_paid = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("principal paid"))
    interest_paid = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("interest paid"))
    fee_paid = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("fee paid"))
    penalty_paid = models.DecimalField(**AMOUNT, default=ZERO, verbose_name=_("penalty paid"))
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.SCHEDULED, verbose_name=_("status")
    )
    paid_on = models.DateField(null=True, blank=True, verbose_name=_("paid on"))

    class Meta:
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
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
