"""The ledger in the admin: everything read-only, because entries are immutable."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    Account,
    BusinessDate,
    JournalArchive,
    JournalEntry,
    JournalLine,
    JournalMonth,
    LoanAccountBalance,
    LoanOpening,
    MonthOpening,
)


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "type", "normal_side", "currency", "is_active")
    list_filter = ("type", "currency", "is_active")
    search_fields = ("code", "name")


class JournalLineInline(ReadOnlyAdmin, admin.TabularInline):
    model = JournalLine
    fields = ("account", "loan_id", "debit", "credit", "currency")
    readonly_fields = fields
    extra = 0
    can_delete = False


class LineLoanFilter(admin.SimpleListFilter):
    title = "loan"
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


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("id", "business_date", "value_date", "kind", "currency", "memo", "reverses")
    list_filter = ("kind", "business_date", "currency", "lines__account", LineLoanFilter)
    search_fields = ("idempotency_key", "memo")
    date_hierarchy = "business_date"
    inlines = [JournalLineInline]
    readonly_fields = [f.name for f in JournalEntry._meta.fields]


@admin.register(JournalLine)
class JournalLineAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("id", "entry", "business_date", "account", "loan_id", "debit", "credit")
    list_filter = ("account", "business_date", "entry__kind")
    search_fields = ("=loan_id", "=entry__id")
    list_select_related = ("entry", "account")


@admin.register(LoanAccountBalance)
class LoanAccountBalanceAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("loan_id", "account", "debit_total", "credit_total", "balance")
    list_filter = ("account",)
    search_fields = ("=loan_id",)
    list_select_related = ("account",)


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
