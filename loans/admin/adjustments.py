"""Maker-checker adjustments in the admin.

A staff user with ``loans.add_adjustmentrequest`` asks for a waiver, a repayment correction
or a write-off ("Add adjustment request"); another user with
``loans.approve_adjustmentrequest`` approves (which applies it) or rejects it from the
request's page. Requests are never edited or deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _

from core.errors import DomainError
from ledger.services import business_date_current
from loans.models import AdjustmentRequest
from loans.services.adjustments import (
    APPROVE_PERMISSION,
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
class AdjustmentRequestAdmin(admin.ModelAdmin):
    form = AdjustmentRequestForm
    change_form_template = "admin/loans/adjustmentrequest/change_form.html"
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

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide_view),
                name="loans_adjustmentrequest_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        adjustment = AdjustmentRequest.objects.filter(pk=object_id).first()
        extra_context["can_decide"] = bool(
            adjustment
            and adjustment.status == AdjustmentRequest.Status.PENDING
            and request.user.has_perm(APPROVE_PERMISSION)
        )
        extra_context["own_request"] = bool(
            adjustment and adjustment.requested_by_id == request.user.pk
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, object_id: str, decision: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if decision not in ("approve", "reject"):
            raise PermissionDenied
        adjustment = get_object_or_404(AdjustmentRequest, pk=object_id)
        service = adjustment_approve if decision == "approve" else adjustment_reject
        try:
            service(
                adjustment=adjustment,
                actor=request.user,
                business_date=business_date_current(),
                note=request.POST.get("note", "").strip(),
                source="admin",
            )
        except DomainError as exc:
            messages.error(request, f"{_(str(exc.title))} {exc.detail}")
        else:
            done = _("approved and applied") if decision == "approve" else _("rejected")
            messages.success(
                request, _("Adjustment %(id)s %(done)s.") % {"id": adjustment.pk, "done": done}
            )
        return HttpResponseRedirect(
            reverse("admin:loans_adjustmentrequest_change", args=[adjustment.pk])
        )
