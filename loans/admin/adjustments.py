"""Maker-checker adjustments in the admin.

A staff user with ``loans.add_adjustmentrequest`` asks for a waiver, a repayment correction
or a write-off ("Add adjustment request"); another user with
``loans.approve_adjustmentrequest`` approves (which applies it) or rejects it from the
request's page. Requests are never edited or deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from core.admin import MakerCheckerAdmin
from core.errors import DomainError
from ledger.services import business_date_current
from loans.models import AdjustmentRequest
from loans.services.adjustments import (
    APPROVE_PERMISSION,
    DECISION,
    adjustment_approve,
    adjustment_reject,
    adjustment_request,
    adjustment_validate,
)


class AdjustmentRequestForm(forms.ModelForm):
    class Meta:
        model = AdjustmentRequest
        fields = ("loan", "kind", "amount", "repayment_id", "reason")

    def clean(self):
        data = super().clean()
        loan = data.get("loan")
        if loan is not None and data.get("kind"):
            try:
                adjustment_validate(
                    loan=loan,
                    kind=data["kind"],
                    amount=data.get("amount"),
                    repayment_id=data.get("repayment_id"),
                )
            except DomainError as exc:
                raise forms.ValidationError(exc.detail) from exc
        return data


@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(MakerCheckerAdmin, admin.ModelAdmin):
    form = AdjustmentRequestForm
    decision = DECISION
    approve_permission = APPROVE_PERMISSION
    decision_prefix = "adjustment"
    own_request_text = (
        "You asked for this adjustment: another user with the approver permission must decide it."
    )
    decided_message = "Adjustment %(id)s %(done)s."
    list_display = (
        "id",
        "loan",
        "kind",
        "amount",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("loan__reference", "reason")
    raw_id_fields = ("loan",)
    readonly_fields = (
        "status",
        "requested_by",
        "requested_at",
        "business_date",
        "decided_by",
        "decided_at",
        "decision_note",
        "result",
    )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["loan", "kind", "amount", "repayment_id", "reason"]
        return ["loan", "kind", "amount", "repayment_id", "reason", *self.readonly_fields]

    def has_change_permission(self, request, obj=None) -> bool:
        # Decided by the approve and reject buttons only, never edited.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: AdjustmentRequest, form, change: bool) -> None:
        created = adjustment_request(
            loan=obj.loan,
            kind=obj.kind,
            reason=obj.reason,
            actor=request.user,
            business_date=business_date_current(),
            amount=obj.amount,
            repayment_id=obj.repayment_id,
            source="admin",
        )
        obj.pk = created.pk
        obj._state.adding = False

    def decide(self, request, obj: AdjustmentRequest, *, approve: bool, note: str) -> None:
        service = adjustment_approve if approve else adjustment_reject
        service(
            adjustment=obj,
            actor=request.user,
            business_date=business_date_current(),
            note=note,
            source="admin",
        )
