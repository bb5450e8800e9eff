"""Borrowers in the admin: personal data masked everywhere; "Show personal data" reveals the
national ID and phone to a user with ``loans.unmask_borrower``, and every reveal is audited.
Credit assessments are listed, and recorded ("Add credit assessment") by a user with
``loans.assess_credit``, audited; they are never edited or deleted."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from ledger.services import business_date_current
from loans import pii
from loans.models import Borrower, CreditAssessment
from loans.services.backoffice import ASSESS_PERMISSION, backoffice_credit_assess, borrower_unmask
from loans.services.borrower360 import borrower_360
from loans.services.credit_assessments import MAX_SCORE

from .actions import extend_registered_admin

UNMASK_PERMISSION = "loans.unmask_borrower"


def borrower_lookup(term: str) -> Q:
    """Borrowers whose national ID or phone is `term` (matched by keyed digest: the stored data
    is encrypted), or whose login is `term`. Spaces and dashes in a typed number are ignored."""
    compact = "".join(term.split()).replace("-", "")
    digests = {pii.digest(term), pii.digest(compact)}
    return (
        Q(national_id_digest__in=digests)
        | Q(mobile_digest__in=digests)
        | Q(user__username__iexact=term)
    )


class BorrowerUnmaskMixin:
    """The unmask view and its button on the borrower's change page; search by name, national
    ID, phone or login."""

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            found = found | queryset.filter(borrower_lookup(term))
        return found, duplicates

    def get_urls(self):
        return [
            path(
                "<path:object_id>/personal-data/",
                self.admin_site.admin_view(self.unmask_view),
                name="loans_borrower_unmask",
            ),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, *(name for name in ("personal_data",) if name not in fields)]

    @admin.display(description=_("personal data (masked)"))
    def personal_data(self, borrower: Borrower | None) -> str:
        if borrower is None or borrower.pk is None:
            return "—"
        return f"{borrower.national_id_masked} · {borrower.mobile_masked or '—'}"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if request.user.has_perm(UNMASK_PERMISSION) and str(object_id).isdigit():
            extra_context["unmask_url"] = reverse("admin:loans_borrower_unmask", args=[object_id])
        borrower = (
            Borrower.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        )
        if borrower is not None:
            extra_context["borrower360"] = borrower_360(
                borrower=borrower, business_date=business_date_current()
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def unmask_view(self, request, object_id: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        borrower = get_object_or_404(Borrower, pk=object_id)
        try:
            revealed = borrower_unmask(borrower=borrower, actor=request.user, source="admin")
        except DomainError as exc:
            raise PermissionDenied(exc.detail) from exc
        context = {
            **self.admin_site.each_context(request),
            "opts": Borrower._meta,
            "original": borrower,
            "revealed": revealed,
            "title": _("Personal data of %(name)s") % {"name": borrower.name},
        }
        return TemplateResponse(request, "admin/loans/borrower/personal_data.html", context)


class BasicBorrowerAdmin(admin.ModelAdmin):
    """Used only when the lifecycle's borrower admin is not registered."""

    list_display = ("name", "national_id_masked", "mobile_masked", "language_shown")
    search_fields = ("name",)
    fields = ("name", "personal_data", "time_zone", "preferred_language", "user", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)

    def has_add_permission(self, request) -> bool:
        # Borrowers come from applications, with their personal data encrypted on the way in.
        return False

    @admin.display(description=_("preferred language"), ordering="preferred_language")
    def language_shown(self, borrower: Borrower) -> str:
        """The language by its own name, as the language switcher names it (the code is
        ``zh-hans``)."""
        return dict(settings.LANGUAGES).get(
            borrower.preferred_language, borrower.preferred_language
        )


extend_registered_admin(Borrower, BorrowerUnmaskMixin, BasicBorrowerAdmin)


class CreditAssessmentForm(forms.ModelForm):
    score = forms.IntegerField(min_value=0, max_value=MAX_SCORE)

    class Meta:
        model = CreditAssessment
        fields = ("borrower", "score", "reference", "reason")

    def clean_reason(self) -> str:
        reason = self.cleaned_data.get("reason", "")
        if not reason.strip():
            raise forms.ValidationError(_("Say why (e.g. the bureau report it rests on)."))
        return reason


@admin.register(CreditAssessment)
class CreditAssessmentAdmin(admin.ModelAdmin):
    form = CreditAssessmentForm
    list_display = ("borrower", "score", "source", "business_date", "assessed_by", "reference")
    list_filter = ("source", "business_date")
    search_fields = ("borrower__name", "reference")
    raw_id_fields = ("borrower",)
    readonly_fields = ("source", "provider", "assessed_by", "business_date", "created_at")

    def get_fields(self, request, obj=None):
        fields = ["borrower", "score", "reference", "reason"]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm(ASSESS_PERMISSION)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: CreditAssessment, form, change: bool) -> None:
        created = backoffice_credit_assess(
            borrower=obj.borrower,
            score=obj.score,
            reason=obj.reason,
            reference=obj.reference,
            actor=request.user,
            business_date=business_date_current(),
            source="admin",
        )
        obj.pk = created.pk
        obj._state.adding = False
