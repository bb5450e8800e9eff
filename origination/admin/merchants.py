"""Merchants, with the settlement of what their drawdowns are owed."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.audit import AuditContext
from core.errors import DomainError
from ledger.services import business_date_current
from origination.models import (
    Merchant,
)
from origination.services.merchants import merchant_settle


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "settlement_account_masked", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    actions = ["settle"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Settle the pending drawdowns of the selected merchants"))
    def settle(self, request, queryset):
        for merchant in queryset:
            try:
                paid = merchant_settle(
                    merchant=merchant,
                    business_date=business_date_current(),
                    actor=request.user.get_username(),
                    audit=AuditContext(user=request.user, source="admin"),
                )
            except DomainError as exc:
                messages.error(request, f"{merchant.code}: {exc.detail}")
            else:
                messages.success(request, f"{merchant.code}: {len(paid)} drawdowns settled.")
