"""Origination in the back office: the manual-review queue with each decision's trail and the
approve / decline buttons, credit lines (with their limit log and drawdowns), merchants (with
settlement), policy versions (immutable once used), decisions and the block list.

Every write calls a service of ``origination.services``; a domain error comes back as a message.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.audit import AuditContext
from core.errors import DomainError
from ledger.services import business_date_current
from loans import pii
from loans.models import Collateral
from origination.models import (
    BlockListEntry,
    CreditLimitChange,
    CreditLine,
    DecisionRecord,
    DecisionStep,
    Drawdown,
    LoanApplication,
    Merchant,
    PolicyVersion,
)
from origination.services.applications import (
    application_review,
    decision_reasons,
    policy_validate,
    policy_version_publish,
)
from origination.services.credit_lines import (
    credit_line_available,
    credit_line_freeze,
    credit_line_unfreeze,
)
from origination.services.merchants import merchant_settle

REVIEW_PERMISSION = "origination.review_application"


class DecisionStepInline(ReadOnlyAdmin, admin.TabularInline):
    model = DecisionStep
    fields = ("position", "name", "result", "reason_code", "detail", "inputs")
    readonly_fields = fields
    extra = 0


@admin.register(DecisionRecord)
class DecisionRecordAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("id", "application", "kind", "outcome", "score", "policy_version", "actor")
    list_filter = ("outcome", "kind", "policy_version")
    search_fields = ("application__reference",)
    inlines = [DecisionStepInline]


def _trail(application: LoanApplication):
    """Every decision on the application, newest first, with each step's inputs and result."""
    parts = []
    for decision in application.decisions.select_related("policy_version").order_by("-id"):
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td><b>{}</b></td><td>{}</td><td>{}</td>"
            "<td><code>{}</code></td></tr>",
            (
                (
                    s.position,
                    s.name,
                    s.result,
                    s.reason_code,
                    s.detail,
                    json.dumps(s.inputs, sort_keys=True, ensure_ascii=False),
                )
                for s in decision.steps.order_by("position")
            ),
        )
        reasons = ", ".join(f"{r['code']} {r['text']}" for r in decision_reasons(decision=decision))
        parts.append(
            format_html(
                "<h3>{} {} — {} (score {}, {}, by {})</h3><p>{}</p>"
                "<p>Offer: <code>{}</code></p>"
                "<table><tr><th>#</th><th>step</th><th>result</th><th>reason</th>"
                "<th>detail</th><th>inputs</th></tr>{}</table>",
                decision.get_kind_display(),
                decision.business_date,
                decision.outcome,
                decision.score,
                decision.policy_version,
                decision.actor,
                reasons or "—",
                json.dumps(decision.offer, sort_keys=True, ensure_ascii=False),
                rows,
            )
        )
    return format_html_join("", "{}", ((part,) for part in parts)) or "—"


@admin.register(LoanApplication)
class LoanApplicationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The manual-review queue is this list filtered on ``referred`` (the default view links
    to it); each application shows its decision trail and, when referred, the buttons."""

    list_display = (
        "reference",
        "borrower",
        "product",
        "kind",
        "status",
        "requested_amount",
        "requested_term",
        "channel",
        "submitted_at",
    )
    list_filter = ("status", "kind", "product", "channel")
    search_fields = ("reference", "borrower__name")
    ordering = ("submitted_at", "id")
    fields = (
        "reference",
        "borrower",
        "product",
        "kind",
        "status",
        "requested_amount",
        "requested_term",
        "purpose",
        "declared_monthly_income",
        "declared_name",
        "national_id_masked",
        "mobile_masked",
        "birth_date",
        "residence_country",
        "residence_region",
        "consents",
        "device_id",
        "ip_address",
        "channel",
        "collateral_data",
        "business_date",
        "submitted_at",
        "decided_on",
        "decision_trail",
    )
    readonly_fields = fields

    def has_change_permission(self, request, obj=None):
        # Viewing the page needs no change right; the buttons check the review permission.
        return False

    @admin.display(description=_("Decision trail"))
    def decision_trail(self, obj: LoanApplication):
        return _trail(obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/review/<str:verdict>/",
                self.admin_site.admin_view(self.review_view),
                name="origination_loanapplication_review",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        application = LoanApplication.objects.filter(pk=object_id).first()
        if (
            application is not None
            and application.status == LoanApplication.Status.REFERRED
            and request.user.has_perm(REVIEW_PERMISSION)
        ):
            extra_context["review_buttons"] = [
                {
                    "verdict": verdict,
                    "label": label,
                    "url": reverse(
                        "admin:origination_loanapplication_review",
                        args=[application.pk, verdict],
                        current_app=self.admin_site.name,
                    ),
                }
                for verdict, label in (("approve", _("Approve")), ("decline", _("Decline")))
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def review_view(self, request: HttpRequest, object_id: str, verdict: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if verdict not in ("approve", "decline") or not request.user.has_perm(REVIEW_PERMISSION):
            raise PermissionDenied
        application = get_object_or_404(LoanApplication, pk=object_id)
        try:
            application_review(
                application=application,
                approve=verdict == "approve",
                actor=request.user.get_username(),
                business_date=business_date_current(),
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            messages.error(request, f"{exc.title} {exc.detail}")
        else:
            messages.success(request, f"Application {application.reference}: {verdict}d.")
        return HttpResponseRedirect(
            reverse(
                "admin:origination_loanapplication_change",
                args=[application.pk],
                current_app=self.admin_site.name,
            )
        )


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


class PolicyVersionForm(forms.ModelForm):
    class Meta:
        model = PolicyVersion
        fields = ("code", "description", "policy", "is_active")

    def clean_policy(self):
        policy = self.cleaned_data["policy"]
        try:
            policy_validate(policy)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from exc
        return policy


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """A new version is added (never edited once a decision used it); saving publishes it
    with the next number."""

    form = PolicyVersionForm
    list_display = ("code", "version", "is_active", "first_used_on", "created_by", "created_at")
    list_filter = ("code", "is_active")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("code", "version", "policy", "is_active", "first_used_on", "created_by")
        return ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            # Only the description of an existing version may change.
            PolicyVersion.objects.filter(pk=obj.pk).update(description=obj.description)
            return
        published = policy_version_publish(
            code=obj.code,
            policy=obj.policy,
            actor=request.user.get_username(),
            description=obj.description,
            activate=obj.is_active,
        )
        obj.pk, obj.version = published.pk, published.version


class BlockListForm(forms.ModelForm):
    value = forms.CharField(
        max_length=128, help_text=_("National ID, phone or device id; only its digest is kept.")
    )

    class Meta:
        model = BlockListEntry
        fields = ("kind", "reason", "added_on")


@admin.register(BlockListEntry)
class BlockListEntryAdmin(admin.ModelAdmin):
    form = BlockListForm
    list_display = ("kind", "short_digest", "reason", "added_on", "added_by")
    list_filter = ("kind",)

    @admin.display(description=_("Digest"))
    def short_digest(self, obj: BlockListEntry) -> str:
        return f"{obj.value_digest[:12]}…"

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.value_digest = pii.digest(form.cleaned_data["value"])
        obj.added_by = request.user.get_username()
        super().save_model(request, obj, form, change)


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


@admin.register(Collateral)
class CollateralAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("loan", "insurer", "policy_number", "cash_value", "status", "released_on")
    list_filter = ("status",)
