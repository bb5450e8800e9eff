"""The ledger in the admin: everything read-only, because entries are immutable."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from core.admin import NamedFieldsAdmin, ReadOnlyAdmin

from .entry_kinds import entry_kind_label
from .errors import PeriodCloseRefused
from .gl_export import GlExportError, gl_export, parse_period
from .models import (
    Account,
    AccountingPeriod,
    BusinessDate,
    JournalArchive,
    JournalEntry,
    JournalLine,
    JournalMonth,
    LoanAccountBalance,
    LoanOpening,
    MonthOpening,
    PeriodBalance,
)
from .periods import period_close_approve, period_close_request
from .services import business_date_current


@admin.register(Account)
class AccountAdmin(NamedFieldsAdmin, ReadOnlyAdmin, admin.ModelAdmin):
    named_fields = {"name": "name_shown"}
    list_display = ("code", "name_shown", "type", "normal_side", "currency", "is_active")
    list_filter = ("type", "currency", "is_active")
    search_fields = ("code", "name")

    @admin.display(description=gettext_lazy("name"), ordering="name")
    def name_shown(self, account: Account) -> str:
        return account.name_shown


class JournalLineInline(ReadOnlyAdmin, admin.TabularInline):
    model = JournalLine
    fields = ("account", "loan_id", "debit", "credit", "currency")
    readonly_fields = fields
    extra = 0
    can_delete = False


class LineLoanFilter(admin.SimpleListFilter):
    title = gettext_lazy("loan")
    parameter_name = "loan"

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(lines__loan_id=int(value)).distinct()
        return queryset


class EntryKindFilter(admin.SimpleListFilter):
    """The kinds present, by their names (the stored codes are the ledger's, not a reader's)."""

    title = gettext_lazy("kind")
    parameter_name = "kind"
    kind_path = "kind"

    def lookups(self, request, model_admin):
        kinds = model_admin.get_queryset(request).order_by().values_list(self.kind_path, flat=True)
        return sorted(
            ((kind, entry_kind_label(kind)) for kind in kinds.distinct()), key=lambda row: row[1]
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.kind_path: self.value()})
        return queryset


class LineEntryKindFilter(EntryKindFilter):
    parameter_name = "entry__kind"
    kind_path = "entry__kind"


@admin.register(JournalEntry)
class JournalEntryAdmin(NamedFieldsAdmin, ReadOnlyAdmin, admin.ModelAdmin):
    named_fields = {"kind": "kind_name"}
    list_display = (
        "id",
        "business_date",
        "value_date",
        "kind_name",
        "currency",
        "memo",
        "reverses",
    )
    list_filter = (EntryKindFilter, "business_date", "currency", "lines__account", LineLoanFilter)
    search_fields = ("idempotency_key", "memo")
    date_hierarchy = "business_date"
    inlines = [JournalLineInline]
    readonly_fields = [field.name for field in JournalEntry._meta.fields]

    @admin.display(description=gettext_lazy("kind"), ordering="kind")
    def kind_name(self, entry: JournalEntry) -> str:
        return entry_kind_label(entry.kind)


@admin.register(JournalLine)
class JournalLineAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("id", "entry", "business_date", "account", "loan_id", "debit", "credit")
    list_filter = ("account", "business_date", LineEntryKindFilter)
    search_fields = ("=loan_id", "=entry__id")
    list_select_related = ("entry", "account")


@admin.register(LoanAccountBalance)
class LoanAccountBalanceAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("loan_id", "account", "debit_total", "credit_total", "balance")
    list_filter = ("account",)
    search_fields = ("=loan_id",)
    list_select_related = ("account",)

    @admin.display(description=gettext_lazy("balance"))
    def balance(self, row: LoanAccountBalance):
        return row.balance


@admin.register(JournalMonth)
class JournalMonthAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("month", "openings_captured_at")


@admin.register(MonthOpening)
class MonthOpeningAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("month", "account", "debit_total", "credit_total")
    list_filter = ("month", "account")
    list_select_related = ("account",)


@admin.register(LoanOpening)
class LoanOpeningAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("loan_id", "account", "debit_total", "credit_total")
    list_filter = ("account",)
    search_fields = ("=loan_id",)
    list_select_related = ("account",)


@admin.register(JournalArchive)
class JournalArchiveAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("before", "archived_at", "lines")


@admin.register(BusinessDate)
class BusinessDateAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("lender", "current", "updated_at")


class PeriodForm(forms.Form):
    period = forms.CharField(
        label=gettext_lazy("Period"),
        max_length=7,
        help_text=gettext_lazy("Year and month, for example 2026-03."),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=(("csv", "CSV"), ("json", "JSON")), initial="csv"
    )

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except GlExportError as exc:
            raise forms.ValidationError(str(exc)) from exc


def gl_download(month, fmt: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        gl_export(month, fmt=fmt),
        content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="gl_{month:%Y-%m}.{fmt}"'
    return response


@admin.register(AccountingPeriod)
class AccountingPeriodAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Periods asked for or closed; closing (maker-checker) and the GL export."""

    list_display = (
        "month",
        "status",
        "requested_by",
        "requested_at",
        "closed_by",
        "closed_at",
        "downloads",
    )
    list_filter = ("status",)
    actions = ["approve_close"]

    def get_urls(self):
        return [
            path("books/", self.admin_site.admin_view(self.books_view), name=self._name("books")),
            path(
                "<str:period>/gl.<str:fmt>",
                self.admin_site.admin_view(self.download_view),
                name=self._name("gl"),
            ),
            *super().get_urls(),
        ]

    def _name(self, suffix: str) -> str:
        return f"ledger_accountingperiod_{suffix}"

    @admin.display(description=gettext_lazy("GL export"))
    def downloads(self, obj: AccountingPeriod) -> str:
        period = f"{obj.month:%Y-%m}"
        return format_html(
            '<a href="{}">CSV</a> · <a href="{}">JSON</a>',
            reverse(f"admin:{self._name('gl')}", args=[period, "csv"]),
            reverse(f"admin:{self._name('gl')}", args=[period, "json"]),
        )

    def _can_close(self, request) -> bool:
        return request.user.has_perm("ledger.close_period")

    def download_view(self, request, period: str, fmt: str):
        if not self.has_view_permission(request) or fmt not in ("csv", "json"):
            raise PermissionDenied
        try:
            return gl_download(parse_period(period), fmt)
        except GlExportError as exc:
            raise PermissionDenied(str(exc)) from exc

    def books_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PeriodForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            month = form.cleaned_data["period"]
            if "request_close" in request.POST:
                if not self._can_close(request):
                    raise PermissionDenied
                try:
                    period_close_request(month=month, actor=request.user.get_username())
                except PeriodCloseRefused as exc:
                    form.add_error("period", str(exc))
                else:
                    self.message_user(
                        request,
                        gettext("The close of %(month)s is asked for.")
                        % {"month": f"{month:%Y-%m}"},
                    )
                    return HttpResponseRedirect(reverse(f"admin:{self._name('changelist')}"))
            else:
                return gl_download(month, form.cleaned_data["format"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Close a period · GL export"),
            "form": form,
            "can_close": self._can_close(request),
            "business_date": business_date_current(),
        }
        return TemplateResponse(request, "admin/ledger/accountingperiod/books.html", context)

    @admin.action(description=gettext_lazy("Approve the close (another person than who asked)"))
    def approve_close(self, request, queryset):
        if not self._can_close(request):
            raise PermissionDenied
        for period in queryset:
            try:
                period_close_approve(month=period.month, actor=request.user.get_username())
            except PeriodCloseRefused as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("The period %(month)s is closed.") % {"month": f"{period.month:%Y-%m}"},
                )


@admin.register(PeriodBalance)
class PeriodBalanceAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "month",
        "account",
        "opening_debit",
        "opening_credit",
        "period_debit",
        "period_credit",
    )
    list_filter = ("month", "account")
    list_select_related = ("account",)
