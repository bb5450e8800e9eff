from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from calc.calendar import Frequency, ShiftRule
from calc.contract_terms import TERM_KEYS
from calc.daycount import DayCount
from calc.schedules.modify import HolidayInterest
from calc.terms import BulletInterest, LevelConvention, Method, RescheduleMode
from core.choices import value_choices
from core.money import AMOUNT, RATE, ZERO
from ledger.services import business_date_current

from .fields import default_allocation_order
from .product_validation import REQUIRED_FIELDS, ProductRuleError, product_validate


class Product(models.Model):
    """A loan product: every term a contract is priced and scheduled on.

    A signed loan snapshots these terms; editing a product never changes a loan.
    """

    class ChargeOffLineRule(models.TextChoices):
        BLOCK = "block", _("Block the line (frozen until staff lift it, after full recovery)")
        CLOSE = "close", _("Close the line")

    class Type(models.TextChoices):
        ECOMMERCE_INSTALLMENT = "ecommerce_installment", _("E-commerce installment (电商分期)")
        CASH_LOAN = "cash_loan", _("Cash loan (现金贷)")
        BALANCE_TRANSFER = "balance_transfer", _("Balance transfer (信用卡余额代偿)")
        POLICY_LOAN = "policy_loan", _("Policy loan (保单贷)")
        SCENE_EDUCATION = "scene_education", _("Scene loan — education (教育贷)")
        SCENE_CAR = "scene_car", _("Scene loan — car (车贷)")
        SCENE_MEDICAL = "scene_medical", _("Scene loan — medical (医美贷)")

    code = models.SlugField(max_length=40, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    product_type = models.CharField(
        max_length=32, choices=Type.choices, default=Type.CASH_LOAN, verbose_name=_("product type")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    jurisdiction = models.CharField(max_length=8, default="CN", verbose_name=_("jurisdiction"))
    cap_rule = models.CharField(
        max_length=40,
        blank=True,
        help_text=_("Rate-cap rule; blank: the jurisdiction's default."),
        verbose_name=_("cap rule"),
    )

    method = models.CharField(
        max_length=24, choices=value_choices(Method), verbose_name=_("method")
    )
    frequency = models.CharField(
        max_length=12,
        choices=value_choices(Frequency),
        default=Frequency.MONTHLY.value,
        verbose_name=_("frequency"),
    )
    day_count = models.CharField(
        max_length=10,
        choices=value_choices(DayCount),
        default=DayCount.ACT_360.value,
        verbose_name=_("day count"),
    )
    rounding = models.CharField(max_length=12, default="half_up", verbose_name=_("rounding"))
    installment_rounding = models.CharField(
        max_length=32,
        default="cent",
        help_text=_(
            "Level installment rounding: cent (the rounding mode above), whole_unit, or "
            "multiple:N (e.g. multiple:10), each optionally :up, :half_up or :down "
            "(whole_unit:up, multiple:100:down)."
        ),
        verbose_name=_("installment rounding"),
    )
    level_convention = models.CharField(
        max_length=16,
        choices=value_choices(LevelConvention),
        default=LevelConvention.LAST_ABSORBS.value,
        help_text=_(
            "Equal installments: the last absorbs the rounding, or every installment is "
            "the payment rounded once (EU / spreadsheet convention)."
        ),
        verbose_name=_("level convention"),
    )
    bullet_interest = models.CharField(
        max_length=20,
        choices=value_choices(BulletInterest),
        default=BulletInterest.SIMPLE.value,
        help_text=_("Bullet loans: simple interest, or interest compounded monthly to maturity."),
        verbose_name=_("bullet interest"),
    )
    annual_rate = models.DecimalField(
        **RATE, default=ZERO, help_text=_("0.18 = 18% a year"), verbose_name=_("annual rate")
    )
    pricing_bands = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            'Risk-based pricing: [{"min_score": 700, "annual_rate": "0.12"}, …]; '
            "a band with min_score null takes every lower score."
        ),
        verbose_name=_("pricing bands"),
    )
    fee_rate = models.DecimalField(
        **RATE,
        default=ZERO,
        help_text=_("fee per period, on principal"),
        verbose_name=_("fee rate"),
    )
    upfront_fee_amount = models.DecimalField(
        **AMOUNT, default=ZERO, verbose_name=_("upfront fee amount")
    )
    upfront_fee_rate = models.DecimalField(**RATE, default=ZERO, verbose_name=_("upfront fee rate"))
    upfront_fee_withheld = models.BooleanField(
        default=True,
        help_text=_("Withhold the upfront fee from the amount paid out."),
        verbose_name=_("upfront fee withheld"),
    )
    yield_fees = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "Fees that are part of the effective yield (IFRS 9 B5.4 / CAS 22), deferred at "
            'disbursement and amortized into interest income: any of "upfront_fee", '
            '"merchant_subsidy", "direct_costs". Empty: each is income or expense when booked. '
            "Per-period fees are charges for the period's service and never part of the yield."
        ),
        verbose_name=_("yield fees"),
    )
    direct_cost_amount = models.DecimalField(
        **AMOUNT,
        default=ZERO,
        help_text=_(
            "Direct origination cost paid per loan (e.g. a channel commission), deferred "
            'with the yield fees when "direct_costs" is one of them.'
        ),
        verbose_name=_("direct cost amount"),
    )
    min_amount = models.DecimalField(**AMOUNT, verbose_name=_("min amount"))
    max_amount = models.DecimalField(**AMOUNT, verbose_name=_("max amount"))
    min_term = models.PositiveSmallIntegerField(default=1, verbose_name=_("min term"))
    max_term = models.PositiveSmallIntegerField(default=12, verbose_name=_("max term"))
    allowed_terms = models.JSONField(
        default=list,
        blank=True,
        help_text=_("e.g. [3, 6, 12]; empty: any term in range."),
        verbose_name=_("allowed terms"),
    )
    penalty_rate = models.DecimalField(
        **RATE,
        default=ZERO,
        help_text=_("annual penalty (overdue) rate on overdue amounts"),
        verbose_name=_("penalty rate"),
    )
    grace_days = models.PositiveSmallIntegerField(default=0, verbose_name=_("grace days"))
    allocation_order = models.JSONField(
        default=default_allocation_order, verbose_name=_("allocation order")
    )
    interest_in_advance = models.BooleanField(
        default=False,
        help_text=_(
            "A payment before an installment's due date may pay its whole period's "
            "interest. Off (the default): interest paid never exceeds the interest earned to the "
            "payment's value date; the rest goes to principal."
        ),
        verbose_name=_("interest in advance"),
    )
    calendar = models.CharField(max_length=16, blank=True, default="", verbose_name=_("calendar"))
    shift_rule = models.CharField(
        max_length=24,
        choices=value_choices(ShiftRule),
        default=ShiftRule.NONE.value,
        verbose_name=_("shift rule"),
    )
    prepayment_mode = models.CharField(
        max_length=20,
        choices=value_choices(RescheduleMode),
        default=RescheduleMode.SHORTEN_TERM.value,
        help_text=_("Default effect of a partial prepayment (the borrower may choose)."),
        verbose_name=_("prepayment mode"),
    )
    rate_index = models.CharField(
        max_length=12,
        blank=True,
        choices=[("lpr_1y", _("One-year LPR")), ("lpr_5y", _("Five-year LPR"))],
        help_text=_("Floating rate: the index it follows (blank: a fixed rate)."),
        verbose_name=_("rate index"),
    )
    rate_margin = models.DecimalField(
        **RATE,
        default=ZERO,
        help_text=_("Floating rate: the margin over the index (0.02 = 200 bp)."),
        verbose_name=_("rate margin"),
    )
    rate_floor = models.DecimalField(**RATE, null=True, blank=True, verbose_name=_("rate floor"))
    rate_ceiling = models.DecimalField(
        **RATE, null=True, blank=True, verbose_name=_("rate ceiling")
    )
    rate_reset_months = models.PositiveSmallIntegerField(
        default=12,
        help_text=_("Floating rate: months between resets."),
        verbose_name=_("rate reset months"),
    )
    rate_reset_day = models.PositiveSmallIntegerField(
        default=0,
        help_text=_("Floating rate: the day of the month it resets on (0: the start's day)."),
        verbose_name=_("rate reset day"),
    )
    holiday_interest = models.CharField(
        max_length=12,
        choices=value_choices(HolidayInterest),
        default=HolidayInterest.SPREAD.value,
        help_text=_(
            "Payment holidays: the interest of the deferred periods spread over the "
            "installments after it, capitalized, or waived."
        ),
        verbose_name=_("holiday interest"),
    )
    holiday_extends_term = models.BooleanField(
        default=True,
        help_text=_(
            "Payment holidays: the term grows by the deferred installments (otherwise the "
            "rest is repaid by the original maturity)."
        ),
        verbose_name=_("holiday extends term"),
    )
    cooling_off_days = models.PositiveSmallIntegerField(
        default=7, verbose_name=_("cooling off days")
    )
    charge_off_days_past_due = models.PositiveSmallIntegerField(
        default=180, verbose_name=_("charge off days past due")
    )
    line_on_charge_off = models.CharField(
        max_length=8,
        choices=ChargeOffLineRule.choices,
        default=ChargeOffLineRule.BLOCK,
        help_text=_(
            "What a charge-off of a loan drawn on a credit line of this product does to the line."
        ),
        verbose_name=_("line on charge off"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def has_risk_pricing(self) -> bool:
        return bool(self.pricing_bands)

    def terms_in_range(self) -> list[int]:
        if self.allowed_terms:
            return sorted(int(t) for t in self.allowed_terms)
        return list(range(self.min_term, self.max_term + 1))

    def is_term_allowed(self, term: int) -> bool:
        return term in self.terms_in_range()

    def is_amount_allowed(self, amount: Decimal) -> bool:
        return self.min_amount <= amount <= self.max_amount

    def contract_terms(self) -> dict[str, object]:
        """The terms a schedule is built on (`calc.contract_terms.schedule_terms`)."""
        return {key: getattr(self, key) for key in TERM_KEYS}

    def clean(self) -> None:
        """Product rules and the worst-case APR cap check on the current business date (the
        admin form shows the figures as form errors)."""
        if not self.method or any(getattr(self, name) is None for name in REQUIRED_FIELDS):
            return  # the missing fields are reported on their own; nothing to price yet
        try:
            product_validate(self, business_date_current())
        except ProductRuleError as exc:
            raise ValidationError(exc.errors) from exc
