"""Admin for products (registered on import): fieldsets by concern, the worst-case APR against
the jurisdiction's cap, and a sample schedule. Product rules run in ``Product.clean()`` (form
errors carry the figures) and saving goes through ``product_save``."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from ledger.services import business_date_current
from loans.models import Product
from loans.services.products import (
    ProductRuleError,
    percent,
    product_save,
    product_worst_case_apr,
)
from loans.services.quotes import QuoteInputError, product_quote
from loans.services.terms_labels import term_value

from .display import PlainDecimalField, is_rate

PREVIEW_COLUMNS = (
    "#",  # a symbol, the same in every language
    gettext_noop("due date"),
    gettext_noop("days"),
    gettext_noop("principal"),
    gettext_noop("interest"),
    gettext_noop("fee"),
    gettext_noop("total"),
    gettext_noop("remaining"),
)


def _verdict(within_cap: bool) -> str:
    return gettext("within the cap ✓") if within_cap else gettext("OVER THE CAP ✗")


def sample_amount(product: Product) -> Decimal:
    """A round amount near the middle of the product's range (20000.00 for 100–50000)."""
    middle = (product.min_amount + product.max_amount) / 2
    magnitude = Decimal(10) ** (middle.adjusted())
    rounded = (middle / magnitude).to_integral_value(rounding=ROUND_DOWN) * magnitude
    return min(max(rounded, product.min_amount), product.max_amount).quantize(Decimal("0.01"))


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "product_type",
        "method",
        "pricing",
        "amounts",
        "terms",
        "jurisdiction",
        "is_active",
    )
    list_filter = ("is_active", "product_type", "method", "jurisdiction")
    search_fields = ("code", "name")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if is_rate(db_field):
            kwargs["form_class"] = PlainDecimalField
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    readonly_fields = ("worst_case_apr", "schedule_preview", "created_at", "updated_at")
    fieldsets = (
        (
            gettext_lazy("Identity"),
            {"fields": ("code", "name", "description", "product_type", "is_active", "currency")},
        ),
        (
            gettext_lazy("Pricing"),
            {
                "fields": (
                    "method",
                    "annual_rate",
                    "pricing_bands",
                    "day_count",
                    "rounding",
                    "installment_rounding",
                    "level_convention",
                    "bullet_interest",
                ),
                "description": gettext_lazy(
                    "Rates are annual fractions (0.18 = 18%). Risk-based pricing bands replace "
                    'the annual rate; write their rates as strings ("0.12"). Installment '
                    "rounding rounds the level installment: cent, whole_unit or multiple:N, "
                    "optionally :up, :half_up or :down."
                ),
            },
        ),
        (
            gettext_lazy("Fees"),
            {
                "fields": (
                    "fee_rate",
                    "upfront_fee_amount",
                    "upfront_fee_rate",
                    "upfront_fee_withheld",
                ),
                "description": gettext_lazy(
                    "The per-period fee is charged on the original amount."
                ),
            },
        ),
        (
            gettext_lazy("Amounts & terms"),
            {"fields": ("min_amount", "max_amount", "frequency", "min_term", "max_term")},
        ),
        (gettext_lazy("Allowed terms"), {"fields": ("allowed_terms",)}),
        (
            gettext_lazy("Overdue"),
            {
                "fields": (
                    "penalty_rate",
                    "grace_days",
                    "charge_off_days_past_due",
                    "line_on_charge_off",
                )
            },
        ),
        (
            gettext_lazy("Floating rate"),
            {
                "fields": (
                    "rate_index",
                    "rate_margin",
                    "rate_floor",
                    "rate_ceiling",
                    "rate_reset_months",
                    "rate_reset_day",
                ),
                "description": gettext_lazy("Leave the index blank for a fixed rate."),
            },
        ),
        (
            gettext_lazy("Schedule rules"),
            {
                "fields": (
                    "calendar",
                    "shift_rule",
                    "allocation_order",
                    "interest_in_advance",
                    "prepayment_mode",
                    "holiday_interest",
                    "holiday_extends_term",
                    "cooling_off_days",
                )
            },
        ),
        (
            gettext_lazy("Compliance"),
            {
                "fields": ("jurisdiction", "cap_rule", "worst_case_apr"),
                "description": gettext_lazy(
                    "The worst case (highest band, every fee, each term and amount extreme) "
                    "must be within the cap on the business date, or the product is not saved."
                ),
            },
        ),
        (gettext_lazy("Schedule preview"), {"fields": ("schedule_preview",)}),
        (
            gettext_lazy("History"),
            {"fields": ("created_at", "updated_at"), "classes": ("collapse",)},
        ),
    )

    @admin.display(description=gettext_lazy("rate"))
    def pricing(self, product: Product) -> str:
        if product.pricing_bands:
            rates = sorted(Decimal(str(band["annual_rate"])) for band in product.pricing_bands)
            return gettext("%(low)s–%(high)s by score") % {
                "low": percent(rates[0], 2),
                "high": percent(rates[-1], 2),
            }
        if product.fee_rate:
            return gettext("fee %(rate)s / period") % {"rate": percent(product.fee_rate, 2)}
        return percent(product.annual_rate, 2)

    @admin.display(description=gettext_lazy("amounts"))
    def amounts(self, product: Product) -> str:
        return f"{product.min_amount}–{product.max_amount} {product.currency}"

    @admin.display(description=gettext_lazy("terms"))
    def terms(self, product: Product) -> str:
        if product.allowed_terms:
            return ", ".join(map(str, product.terms_in_range()))
        return f"{product.min_term}–{product.max_term}"

    @admin.display(description=gettext_lazy("worst-case APR"))
    def worst_case_apr(self, product: Product | None) -> str:
        if product is None or product.pk is None:
            return gettext("Checked when the product is saved.")
        try:
            worst = product_worst_case_apr(product, business_date_current())
        except ProductRuleError as exc:
            return format_html('<span class="errornote">{}</span>', exc.detail)
        if worst.check is None:
            return worst.describe()
        return format_html("<strong>{}</strong> — {}", _verdict(worst.within_cap), worst.describe())

    @admin.display(description=gettext_lazy("sample schedule"))
    def schedule_preview(self, product: Product | None) -> str:
        if product is None or product.pk is None:
            return gettext("Save the product to see a sample schedule.")
        amount, term = sample_amount(product), product.terms_in_range()[0]
        start = business_date_current()
        try:
            result = product_quote(product=product, principal=amount, term=term, start_date=start)
        except QuoteInputError as exc:
            return format_html('<span class="errornote">{}</span>', exc.detail)
        data = result.as_dict()
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td></tr>",
            (
                (
                    row["number"],
                    row["due_date"],
                    row["days_in_period"],
                    row["principal"],
                    row["interest"],
                    row["fee"],
                    row["total"],
                    row["remaining_principal"],
                )
                for row in data["installments"]
            ),
        )
        totals = data["totals"]
        apr, check = result.quote.apr, result.quote.rate_cap
        band = result.priced
        rate = (
            gettext("%(rate)s (worst band)") % {"rate": percent(band.annual_rate, 2)}
            if band
            else percent(product.annual_rate, 2)
        )
        cap = (
            format_html(
                "{} {} ({}, {}): <strong>{}</strong>",
                gettext("cap"),
                percent(check.cap, 2),
                check.rule,
                check.jurisdiction,
                _verdict(check.within_cap),
            )
            if check
            else ""
        )
        header = format_html_join(
            "", "<th>{}</th>", ((gettext(c) if c != "#" else c,) for c in PREVIEW_COLUMNS)
        )
        summary = gettext(
            "%(amount)s %(currency)s over %(term)s %(frequency)s periods from %(start)s, "
            "annual rate %(rate)s; upfront fee %(fee)s, paid out %(paid_out)s."
        ) % {
            "amount": amount,
            "currency": product.currency,
            "term": term,
            "frequency": product.get_frequency_display(),
            "start": start,
            "rate": rate,
            "fee": totals["upfront_fee"],
            "paid_out": data["net_disbursement"],
        }
        return format_html(
            "<p>{}</p>"
            '<table class="schedule-preview"><thead><tr>{}</tr></thead><tbody>{}</tbody>'
            "<tfoot><tr><th colspan=3>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th></th></tr></tfoot></table>"
            "<p>APR ({}): <strong>{}%</strong> {} ({} {}, {} {}); {}</p>",
            summary,
            header,
            rows,
            gettext("total"),
            totals["principal"],
            totals["interest"],
            totals["fee"],
            totals["total"],
            term_value("apr_method", apr.method),
            apr.disclosed,
            gettext("disclosed"),
            gettext("nominal"),
            percent(apr.nominal),
            gettext("effective"),
            percent(apr.effective),
            cap or gettext("no APR cap in this jurisdiction"),
        )

    def save_model(self, request, obj: Product, form, change: bool) -> None:
        product_save(product=obj, on_date=business_date_current())
