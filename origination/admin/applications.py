"""The manual-review queue: applications with each decision's trail and the approve / decline
buttons (a domain error comes back as a message), and the decisions themselves."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from ledger.services import business_date_current
from origination.models import (
    DecisionRecord,
    DecisionStep,
    LoanApplication,
)
from origination.services.applications import application_review
from origination.services.decisions import decision_reasons

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
