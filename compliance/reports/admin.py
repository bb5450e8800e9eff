"""The admin's reports: produced files with their checksums and a download button, a page to
produce any report for any closed date, and the charts (aging, vintage, roll rates, income).

Registered from `compliance.admin`. Viewing and producing need ``compliance.view_reports``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from compliance.models import LoanMonthEnd, MonthEndCapture, ReportRun
from core.admin import LabelledFilter, NamedFieldsAdmin, ReadOnlyAdmin
from loans.models import Loan
from loans.models.eod import bucket_label

from .base import ReportError
from .charts import report_charts
from .preview import report_run_charts, report_run_preview
from .registry import FORMATS, REPORTS, last_closed_date, report_title
from .runs import report_run_produce

PERMISSION = "compliance.view_reports"


class ReportForm(forms.Form):
    name = forms.ChoiceField(
        label=_("Report"),
        choices=[(name, _(spec.title)) for name, spec in REPORTS.items()],
    )
    date = forms.DateField(
        label=_("Date"), required=False, help_text=_("Default: the last closed business date.")
    )
    start = forms.DateField(
        label=_("Start"), required=False, help_text=_("Default: the report's own period.")
    )
    product = forms.CharField(
        label=_("Product"), required=False, max_length=40, help_text=_("A product code.")
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=[(fmt, fmt.upper()) for fmt in FORMATS], initial="csv"
    )


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


# where a report read the loans' state from (`state.Source`)
STATE_SOURCE_LABELS = {
    "month_end": _("month-end capture"),
    "snapshot": _("end-of-day snapshot"),
    "live": _("the live book"),
    "reconstructed": _("rebuilt from the journal"),
}


def _titled(run: ReportRun) -> ReportRun:
    run.title = report_title(run.name)
    return run


@admin.register(ReportRun)
class ReportRunAdmin(NamedFieldsAdmin, ReadOnlyAdmin, admin.ModelAdmin):
    named_fields = {"name": "report", "format": "file_format", "source": "state_source"}
    list_display = (
        "report",
        "as_of",
        "start",
        "product",
        "file_format",
        "rows",
        "size",
        "short_sha256",
        "trigger",
        "produced_by",
        "created_at",
        "download",
    )
    list_filter = (
        LabelledFilter.on(ReportRun, "name", report_title),
        LabelledFilter.on(ReportRun, "format", str.upper),
        "trigger",
    )
    date_hierarchy = "as_of"
    search_fields = ("name", "sha256")
    readonly_fields = [field.name for field in ReportRun._meta.fields] + ["download"]
    change_list_template = "admin/compliance/reportrun/change_list.html"
    change_form_template = "admin/compliance/reportrun/change_form.html"

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm(PERMISSION)

    @admin.display(description=_("report"), ordering="name")
    def report(self, run: ReportRun) -> str:
        return report_title(run.name)

    @admin.display(description=_("format"), ordering="format")
    def file_format(self, run: ReportRun) -> str:
        return run.format.upper()

    @admin.display(description=_("source"), ordering="source")
    def state_source(self, run: ReportRun) -> str:
        return str(STATE_SOURCE_LABELS.get(run.source, run.source))

    @admin.display(description=_("SHA-256 digest"))
    def short_sha256(self, run: ReportRun) -> str:
        return run.sha256[:16] + "…"

    @admin.display(description=_("file"))
    def download(self, run: ReportRun) -> str:
        url = reverse("admin:compliance_reportrun_download", args=[run.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Download"))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("reports/", wrap(self.reports_view), name="compliance_reportrun_reports"),
            path(
                "<int:pk>/download/",
                wrap(self.download_view),
                name="compliance_reportrun_download",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The run's page: its fields, a preview of the stored file and its report's charts."""
        run = self.get_object(request, object_id)
        if run is not None and self.has_view_permission(request, run):
            charts = report_run_charts(run)
            extra_context = {
                **(extra_context or {}),
                "preview": report_run_preview(run),
                "charts": {name: mark_safe(svg) for name, svg in charts.items()},  # noqa: S308
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def download_view(self, request: HttpRequest, pk: int) -> FileResponse:
        _require(request)
        run = get_object_or_404(ReportRun, pk=pk)
        name = run.file.name.rsplit("/", 1)[-1]
        response = FileResponse(run.file.open("rb"), as_attachment=True, filename=name)
        response["X-Content-SHA256"] = run.sha256
        return response

    def reports_view(self, request: HttpRequest) -> HttpResponse:
        _require(request)
        form = ReportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                run = report_run_produce(
                    name=data["name"],
                    fmt=data["format"],
                    as_of=data["date"],
                    start=data["start"],
                    product=data["product"] or None,
                    actor=request.user.get_username(),
                )
            except ReportError as exc:
                messages.error(request, exc.detail)
            else:
                messages.success(
                    request,
                    _("Produced %(run)s — SHA-256 %(sha256)s.")
                    % {"run": run, "sha256": run.sha256},
                )
                return HttpResponseRedirect(
                    reverse("admin:compliance_reportrun_download", args=[run.pk])
                )
        charts = {name: mark_safe(svg) for name, svg in report_charts().items()}  # noqa: S308
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reports and charts"),
            "form": form,
            "charts": charts,
            "last_closed": last_closed_date(),
            "reports": REPORTS.values(),
            "opts": self.model._meta,
            "recent": [_titled(run) for run in ReportRun.objects.all()[:10]],
        }
        return TemplateResponse(request, "admin/compliance/reportrun/reports.html", context)


@admin.register(MonthEndCapture)
class MonthEndCaptureAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("month_end", "loans", "source", "business_date", "created_at")
    readonly_fields = [field.name for field in MonthEndCapture._meta.fields]


@admin.register(LoanMonthEnd)
class LoanMonthEndAdmin(NamedFieldsAdmin, ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "month_end",
        "loan",
        "status_shown",
        "days_past_due",
        "worst_days_past_due",
        "bucket_shown",
        "risk_category_shown",
        "principal",
        "amount_overdue",
        "bureau_status",
    )
    list_filter = (
        "month_end",
        "bureau_status",
        LabelledFilter.on(LoanMonthEnd, "delinquency_bucket", bucket_label),
    )
    list_select_related = ("loan",)
    search_fields = ("loan__reference",)
    readonly_fields = [field.name for field in LoanMonthEnd._meta.fields]
    named_fields = {
        "status": "status_shown",
        "delinquency_bucket": "bucket_shown",
        "risk_category": "risk_category_shown",
    }
    show_full_result_count = False

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, row: LoanMonthEnd) -> str:
        return str(dict(Loan.Status.choices).get(row.status, row.status))

    @admin.display(description=_("delinquency bucket"), ordering="delinquency_bucket")
    def bucket_shown(self, row: LoanMonthEnd) -> str:
        return bucket_label(row.delinquency_bucket)

    @admin.display(description=_("risk category"), ordering="risk_category")
    def risk_category_shown(self, row: LoanMonthEnd) -> str:
        choices = dict(Loan._meta.get_field("risk_category").choices)
        return str(choices.get(row.risk_category, row.risk_category))
