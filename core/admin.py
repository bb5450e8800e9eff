"""What every app's admin shares, and the audit trail's page."""

from __future__ import annotations

from django.contrib import admin

from .models import AuditEvent


class ReadOnlyAdmin:
    """An admin (or inline) that shows records and never adds, changes or deletes them: for
    records written only by services (decisions, drawdowns, schedules, the audit trail)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The audit trail: read-only for everyone (PostgreSQL refuses changes anyway)."""

    list_display = ("created_at", "actor_username", "action", "object_repr", "source", "reason")
    list_filter = ("action", "source", "object_type")
    search_fields = ("actor_username", "object_repr", "object_id", "reason")
    date_hierarchy = "created_at"
