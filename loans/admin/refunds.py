"""Borrowers' refund requests: approving posts the refund through the ledger
(`refund_request_approve`), rejecting closes the request; both need
``loans.approve_refundrequest``. Requests come from the borrower's API only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from ledger.services import business_date_current
from loans.models import RefundRequest
from loans.services.refund_requests import (
    APPROVE_PERMISSION,
    refund_request_approve,
    refund_request_reject,
)


@admin.register(RefundRequest)
class RefundRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "loan", "amount", "status", "requested_by", "business_date", "decided_by")
    list_filter = ("status",)
    search_fields = ("loan__reference",)
    list_select_related = ("loan", "requested_by", "decided_by")
    readonly_fields = [field.name for field in RefundRequest._meta.fields]
    actions = ["approve", "reject"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm(APPROVE_PERMISSION)

    def _decide(self, request, queryset, service, done: str) -> None:
        today = business_date_current()
        for refund_request in queryset.filter(status=RefundRequest.Status.PENDING):
            try:
                service(request=refund_request, actor=request.user, business_date=today)
            except DomainError as exc:
                self.message_user(request, f"{refund_request}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, done % {"id": refund_request.pk}, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Approve and refund the selected requests"),
        permissions=["approve"],
    )
    def approve(self, request, queryset) -> None:
        self._decide(
            request, queryset, refund_request_approve, _("Refund request %(id)s refunded.")
        )

    @admin.action(description=gettext_lazy("Reject the selected requests"), permissions=["approve"])
    def reject(self, request, queryset) -> None:
        self._decide(request, queryset, refund_request_reject, _("Refund request %(id)s rejected."))
