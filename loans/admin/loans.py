"""Admin for loans, schedules, repayments and their history (registered on import).

Read-only: every change to a loan is a service call (the buttons of `actions` extend this
admin). The loan page is the loan 360 (``loans.services.loan360``): a summary card and sections, with
the record's fields and raw rows folded below.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import LabelledFilter, ReadOnlyAdmin
from ledger.services import business_date_current
from loans.models import Allocation, Collateral, Installment, Loan, LoanTransition, Repayment
from loans.models.eod import bucket_label
from loans.selectors.recoveries import loan_recoveries, loan_recovery
from loans.services.loan360 import loan_360

from .display import readable_fields


class ReadOnlyInline(ReadOnlyAdmin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class InstallmentInline(ReadOnlyInline):
    model = Installment
    fields = (
        "number",
        "period_start",
        "due_date",
        "days_in_period",
        "principal_due",
        "interest_due",
        "fee_due",
        "penalty_due",
        "interest_accrued",
        "fee_charged",
        "principal_paid",
        "interest_paid",
        "fee_paid",
        "penalty_paid",
        "status",
        "paid_on",
    )
    readonly_fields = fields
    ordering = ("due_date", "number")


class LoanTransitionInline(ReadOnlyInline):
    model = LoanTransition
    fields = ("created_at", "business_date", "from_status", "to_status", "actor", "reason")
    readonly_fields = fields


class RepaymentInline(ReadOnlyInline):
    model = Repayment
    fields = (
        "kind",
        "status",
        "amount",
        "overpayment",
        "value_date",
        "business_date",
        "channel",
        "source",
        "external_reference",
        "generation",
        "reversed_on",
    )
    readonly_fields = fields
    show_change_link = True


def recovery_summary(loan: Loan):
    """Written off, recovered and what is left, then each recovery: for the loan's page and
    the collection case's."""
    figures = loan_recovery(loan=loan)
    if not figures.written_off:
        return _("not written off")
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td style='text-align:right'>{}</td><td>{}</td></tr>",
        (
            (
                repayment.value_date,
                repayment.get_source_display(),
                repayment.external_reference,
                repayment.amount,
                repayment.get_status_display(),
            )
            for repayment in loan_recoveries(loan_id=loan.pk)
        ),
    )
    return format_html(
        "<p id='recovery-figures'>{} {} {} {} {} &middot; {} {} &middot; {} {}</p>"
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
        _("written off"),
        figures.written_off,
        loan.currency,
        _("on"),
        figures.written_off_on,
        _("recovered"),
        figures.recovered,
        _("still recoverable"),
        figures.remaining,
        _("value date"),
        _("source"),
        _("reference"),
        _("amount"),
        _("status"),
        rows,
    )


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    # What a row is for first (status and amounts), and few enough columns to fit a screen;
    # bucket and risk category are filters.
    list_display = (
        "reference",
        "status",
        "principal",
        "days_past_due",
        "borrower",
        "product",
        "annual_rate_shown",
        "term",
        "disbursed_on",
    )
    list_filter = (
        "status",
        "product",
        "method",
        LabelledFilter.on(Loan, "delinquency_bucket", bucket_label),
        "risk_category",
        "non_accrual",
        "jurisdiction",
        ("disbursed_on", admin.DateFieldListFilter),
    )
    search_fields = ("reference", "borrower__name", "=id")
    list_select_related = ("borrower", "product")
    date_hierarchy = "disbursed_on"
    readonly_fields = ("recovery",)
    inlines = [InstallmentInline, RepaymentInline, LoanTransitionInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The loan 360: a summary card and sections above the record's fields (folded)."""
        extra_context = dict(extra_context or {})
        loan = (
            Loan.objects.select_related("borrower", "product").filter(pk=object_id).first()
            if str(object_id).isdigit()
            else None
        )
        if loan is not None:
            extra_context["loan360"] = loan_360(loan=loan, business_date=business_date_current())
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fields(self, request, obj=None):
        fields = [LOAN_SHOWN.get(field.name, field.name) for field in Loan._meta.fields]
        return [*fields, "recovery"]

    @admin.display(description=_("recovery after charge-off"))
    def recovery(self, obj: Loan):
        if obj is None or obj.pk is None:
            return "—"
        return recovery_summary(obj)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


LOAN_SHOWN = readable_fields(LoanAdmin, Loan)


class AllocationInline(ReadOnlyInline):
    model = Allocation
    fields = ("installment", "component", "amount", "recognized", "generation", "active")
    readonly_fields = fields


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "id",
        "loan",
        "kind",
        "status",
        "amount",
        "overpayment",
        "value_date",
        "business_date",
        "channel",
        "source",
        "external_reference",
    )
    list_filter = (
        "kind",
        "status",
        "channel",
        "source",
        ("value_date", admin.DateFieldListFilter),
    )
    search_fields = ("=loan__id", "loan__reference", "external_reference", "idempotency_key")
    list_select_related = ("loan",)
    inlines = [AllocationInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Repayment._meta.fields]


@admin.register(Collateral)
class CollateralAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("loan", "insurer", "policy_number", "cash_value", "status", "released_on")
    list_filter = ("status",)
