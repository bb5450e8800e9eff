"""Joint lending in the back office: funders (with the exposure chart), arrangements with their
shares (checked against the funding policy on save), each loan's shares, settlement runs with
the day's statement and the month-end loan-level file, asset transfers.

Writes call the services; a refusal comes back as a message."""

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from ledger.services import business_date_current

from ..models import (
    ArrangementShare,
    AssetTransfer,
    Funder,
    FundingArrangement,
    FundingPolicy,
    LoanFunding,
    SettlementRun,
)
from ..selectors.exposure import exposure_svg, funders_exposure
from ..selectors.files import funder_file_csv
from ..services.arrangements import arrangement_shares_check
from ..services.settlement import funder_settle


@admin.register(Funder)
class FunderAdmin(admin.ModelAdmin):
    list_display = ("code", "name_shown", "kind", "exposure_limit", "is_active")

    @admin.display(description=gettext_lazy("name"), ordering="name")
    def name_shown(self, funder: Funder) -> str:
        return funder.name_shown

    change_list_template = "admin/funding/funder/change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        rows = funders_exposure()
        extra_context["exposure_rows"] = rows
        extra_context["exposure_chart"] = mark_safe(exposure_svg(rows))  # noqa: S308 built here
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name="funding_funder_file",
            ),
            path(
                "<path:object_id>/settle/",
                self.admin_site.admin_view(self.settle_view),
                name="funding_funder_settle",
            ),
            *super().get_urls(),
        ]

    def _funder(self, request, object_id):
        funder = self.get_object(request, object_id)
        if funder is None:
            raise Http404(f"There is no funder {object_id}.")
        return funder

    def file_view(self, request, object_id):
        funder = self._funder(request, object_id)
        if not self.has_view_permission(request, funder):
            raise PermissionDenied
        as_of = _date(request.GET.get("date"))
        if as_of is None:
            return HttpResponseBadRequest(f"{request.GET['date']!r} is not a date (YYYY-MM-DD).")
        response = StreamingHttpResponse(
            funder_file_csv(funder=funder, as_of=as_of), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="{funder.code}-{as_of}.csv"'
        return response

    def settle_view(self, request, object_id):
        funder = self._funder(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("funding.add_settlementrun"):
            raise PermissionDenied
        on = _date(request.POST.get("date"))
        if on is None:
            self.message_user(
                request, f"{request.POST['date']!r} is not a date (YYYY-MM-DD).", messages.ERROR
            )
        else:
            try:
                run = funder_settle(funder=funder, on=on, actor=request.user.username)
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
            else:
                self.message_user(request, f"Settled {funder.code} {on}: {run.net_amount}.")
        return HttpResponseRedirect(reverse("admin:funding_settlementrun_changelist"))


def _date(value: str | None) -> date | None:
    """The date asked for (default: the business date), or None when it is not a date."""
    if not value:
        return business_date_current()
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


class ArrangementShareForm(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        rows = [
            (
                form.cleaned_data["funder"],
                form.cleaned_data["share"],
                form.cleaned_data.get("bears_losses", True),
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            arrangement_shares_check(
                shares=rows, platform_guarantee=self.instance.platform_guarantee
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from exc


class ArrangementShareInline(admin.TabularInline):
    model = ArrangementShare
    formset = ArrangementShareForm
    extra = 2


@admin.register(FundingArrangement)
class FundingArrangementAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "product",
        "loan",
        "platform_guarantee",
        "buyback_days_past_due",
        "settlement_calendar",
        "valid_from",
        "is_active",
    )
    raw_id_fields = ("loan",)
    inlines = [ArrangementShareInline]


@admin.register(FundingPolicy)
class FundingPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "platform_min_share")


@admin.register(LoanFunding)
class LoanFundingAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "loan_number",
        "funder",
        "share",
        "guaranteed",
        "valid_from",
        "valid_until",
        "source",
    )
    list_filter = ("funder", "source")
    search_fields = ("=loan__id", "loan__reference")

    @admin.display(description=gettext_lazy("loan ID"), ordering="loan_id")
    def loan_number(self, row) -> int:
        return row.loan_id


@admin.register(SettlementRun)
class SettlementRunAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "business_date",
        "funder",
        "principal",
        "interest",
        "fee",
        "penalty",
        "recoveries",
        "other",
        "service_fee",
        "net_amount",
        "transferred",
    )
    list_filter = ("funder",)
    change_list_template = "admin/funding/settlementrun/change_list.html"

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["partners"] = Funder.objects.exclude(kind=Funder.Kind.PLATFORM)
        extra_context["funders"] = Funder.objects.all()
        extra_context["business_date"] = business_date_current()
        return super().changelist_view(request, extra_context)


@admin.register(AssetTransfer)
class AssetTransferAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "reference",
        "seller",
        "buyer",
        "cut_off",
        "price",
        "carrying_amount",
        "gain_loss",
    )
