"""Credit lines with their limit log and drawdowns, and the drawdowns."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from ledger.services import business_date_current
from origination.models import (
    CreditLimitChange,
    CreditLine,
    Drawdown,
)
from origination.services.credit_lines import (
    credit_line_available,
    credit_line_freeze,
    credit_line_unfreeze,
)

from .applications import REVIEW_PERMISSION


class CreditLimitChangeInline(ReadOnlyAdmin, admin.TabularInline):
    model = CreditLimitChange
    fields = ("business_date", "kind", "old_limit", "new_limit", "new_status", "reason", "actor")
    readonly_fields = fields
    extra = 0


class DrawdownInline(ReadOnlyAdmin, admin.TabularInline):
    model = Drawdown
    fields = ("loan", "amount", "payee_kind", "payee_name", "settlement_status", "refunded_amount")
    readonly_fields = fields
    extra = 0


@admin.register(CreditLine)
class CreditLineAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "reference",
        "borrower",
        "status",
        "limit",
        "available_amount",
        "pricing_band",
        "annual_rate",
        "expires_on",
    )
    list_filter = ("status", "pricing_band", "revolving", "secured")
    search_fields = ("reference", "borrower__name")
    readonly_fields = ("available_now",)
    inlines = [CreditLimitChangeInline, DrawdownInline]
    actions = ["freeze_lines", "unfreeze_lines"]

    @admin.display(description=_("Available now (from the ledger)"))
    def available_now(self, obj: CreditLine):
        return credit_line_available(line=obj)

    def _each(self, request, queryset, service, reason: str) -> None:
        for line in queryset:
            try:
                service(
                    line=line,
                    reason=reason,
                    actor=request.user.get_username(),
                    business_date=business_date_current(),
                )
            except DomainError as exc:
                messages.error(request, f"{line.reference}: {exc.detail}")

    @admin.action(description=_("Freeze the selected lines"), permissions=["freeze"])
    def freeze_lines(self, request, queryset):
        self._each(request, queryset, credit_line_freeze, "frozen by staff")

    @admin.action(description=_("Unfreeze the selected lines"), permissions=["freeze"])
    def unfreeze_lines(self, request, queryset):
        self._each(request, queryset, credit_line_unfreeze, "unfrozen by staff")

    def has_freeze_permission(self, request) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)


@admin.register(Drawdown)
class DrawdownAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "id",
        "line",
        "loan",
        "amount",
        "payee_kind",
        "payee_name",
        "merchant",
        "subsidised",
        "settlement_status",
        "refunded_amount",
    )
    list_filter = ("payee_kind", "settlement_status", "subsidised")
