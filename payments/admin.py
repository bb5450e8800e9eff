from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    AutoDebitRule,
    BankStatement,
    Mandate,
    PaymentOrder,
    PaymentOrderEvent,
    StatementLine,
)


class PaymentOrderEventInline(admin.TabularInline):
    model = PaymentOrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ("source", "reported_status", "outcome", "payload", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "reference",
        "direction",
        "purpose",
        "loan_id",
        "amount",
        "amount_settled",
        "status",
        "business_date",
        "attempt",
    )
    list_filter = ("status", "direction", "purpose", "gateway")
    search_fields = ("reference", "provider_reference", "idempotency_key")
    inlines = [PaymentOrderEventInline]


@admin.register(Mandate)
class MandateAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("id", "loan_id", "account_reference", "status", "consent_at", "revoked_at")
    list_filter = ("status",)


@admin.register(AutoDebitRule)
class AutoDebitRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "max_attempts_per_day",
        "max_attempts_per_installment",
        "first_attempt_at",
        "retry_spacing_minutes",
        "quiet_from",
        "quiet_until",
    )


class StatementLineInline(admin.TabularInline):
    model = StatementLine
    extra = 0
    can_delete = False
    fields = ("line_number", "booking_date", "amount", "reference", "status", "match_rule")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("statement_id", "account", "format", "statement_date", "imported_at")
    inlines = [StatementLineInline]
