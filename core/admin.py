"""What every app's admin shares."""

from __future__ import annotations


class ReadOnlyAdmin:
    """An admin (or inline) that shows records and never adds, changes or deletes them: for
    records written only by services (decisions, drawdowns, schedules, the audit trail)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
