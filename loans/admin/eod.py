"""Admin for the end-of-day close: runs with their steps and chunks, snapshots, penalty caps."""

from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import LabelledFilter, NamedFieldsAdmin
from loans.models import CloseLease, CloseRun, CloseStepRun, Loan, PenaltyCap, PortfolioSnapshot
from loans.models.eod import LeaseOutcome, RunStatus, bucket_label, step_label
from loans.selectors.close_timeline import close_timeline


class CloseStepRunInline(admin.TabularInline):
    model = CloseStepRun
    extra = 0
    can_delete = False
    fields = (
        "step_name",
        "chunk",
        "first_loan_id",
        "last_loan_id",
        "status",
        "attempts",
        "loans",
        "entries",
        "duration_ms",
        "worker",
        "error",
    )
    readonly_fields = fields
    ordering = ("position", "chunk")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("step"))
    def step_name(self, step_run: CloseStepRun) -> str:
        return step_label(step_run.step)


@admin.register(CloseRun)
class CloseRunAdmin(admin.ModelAdmin):
    list_display = (
        "business_date",
        "status",
        "current_step_name",
        "open_loans",
        "chunks",
        "steps_done",
        "entries",
        "seconds",
        "started_at",
        "finished_at",
    )
    list_filter = ("status",)
    date_hierarchy = "business_date"
    readonly_fields = (
        "business_date",
        "status",
        "current_step_name",
        "open_loans",
        "chunk_bounds",
        "started_at",
        "finished_at",
        "seconds",
        "last_error",
        "workers",
    )
    inlines = [CloseStepRunInline]

    @admin.display(description=gettext_lazy("current step"), ordering="current_step")
    def current_step_name(self, run: CloseRun) -> str:
        return step_label(run.current_step)

    actions = ["resume"]
    change_form_template = "admin/loans/closerun/change_form.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/retry/",
                self.admin_site.admin_view(self.retry_view),
                name="loans_closerun_retry",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The run as a timeline of its steps, with a retry button while it is not done."""
        extra_context = dict(extra_context or {})
        run = CloseRun.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if run is not None:
            extra_context["timeline"] = close_timeline(run=run)
            extra_context["can_retry"] = run.status != RunStatus.DONE and request.user.has_perm(
                "loans.change_closerun"
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def retry_view(self, request, object_id: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("loans.change_closerun"):
            raise PermissionDenied
        run = get_object_or_404(CloseRun, pk=object_id)
        self.resume(request, CloseRun.objects.filter(pk=run.pk))
        return HttpResponseRedirect(reverse("admin:loans_closerun_change", args=[run.pk]))

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                step_rows=Count("steps"),
                step_rows_done=Count("steps", filter=Q(steps__status=RunStatus.DONE)),
                entries_posted=Sum("steps__entries"),
            )
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("chunks"))
    def chunks(self, obj):
        return len(obj.chunk_bounds)

    @admin.display(description=gettext_lazy("step × chunk done"))
    def steps_done(self, obj):
        return f"{obj.step_rows_done}/{obj.step_rows}"

    @admin.display(description=gettext_lazy("entries posted"))
    def entries(self, obj):
        return obj.entries_posted or 0

    @admin.display(description=gettext_lazy("seconds"))
    def seconds(self, obj):
        return obj.seconds

    @admin.display(description=gettext_lazy("workers"))
    def workers(self, obj):
        """Each worker that took part: chunks done, leases lost, failures, last heartbeat."""
        rows = (
            CloseLease.objects.filter(step_run__run=obj)
            .values("worker")
            .annotate(
                done=Count("id", filter=Q(outcome=LeaseOutcome.DONE)),
                expired=Count("id", filter=Q(outcome=LeaseOutcome.EXPIRED)),
                fenced=Count("id", filter=Q(outcome=LeaseOutcome.FENCED)),
                failed=Count("id", filter=Q(outcome=LeaseOutcome.FAILED)),
                held=Count("id", filter=Q(outcome=LeaseOutcome.HELD)),
                beats=Sum("heartbeats"),
                last_beat=Max("heartbeat_at"),
            )
            .order_by("worker")
        )
        if not rows:
            return "—"
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th></tr>",
            _("worker"),
            _("chunks done"),
            _("holding"),
            _("leases expired"),
            _("commits fenced"),
            _("failed"),
            _("heartbeats"),
            _("last heartbeat"),
        )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td></tr>",
            (
                (
                    row["worker"],
                    row["done"],
                    row["held"],
                    row["expired"],
                    row["fenced"],
                    row["failed"],
                    row["beats"] or 0,
                    row["last_beat"],
                )
                for row in rows
            ),
        )
        return format_html("<table>{}{}</table>", head, body)

    @admin.action(description=gettext_lazy("Resume the selected closes (queue the close task)"))
    def resume(self, request, queryset):
        from loans.tasks import close_business_day

        for run in queryset.exclude(status=RunStatus.DONE):
            # Queued once what this request changed is committed, never before.
            transaction.on_commit(partial(close_business_day.delay, run.business_date.isoformat()))
            self.message_user(
                request,
                _("Close of %(date)s queued.") % {"date": run.business_date},
                messages.INFO,
            )


@admin.register(CloseStepRun)
class CloseStepRunAdmin(admin.ModelAdmin):
    list_display = (
        "run",
        "step_name",
        "chunk",
        "status",
        "attempts",
        "loans",
        "entries",
        "duration_ms",
        "worker",
        "started_at",
    )
    list_filter = (
        "status",
        LabelledFilter.on(CloseStepRun, "step", step_label),
        "run__business_date",
    )
    readonly_fields = [
        "step_name" if field.name == "step" else field.name for field in CloseStepRun._meta.fields
    ]

    @admin.display(description=gettext_lazy("step"), ordering="step")
    def step_name(self, step_run: CloseStepRun) -> str:
        return step_label(step_run.step)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _loan_status(code: str) -> str:
    return str(dict(Loan.Status.choices).get(code, code))


def _risk_category(code: str) -> str:
    return str(dict(Loan._meta.get_field("risk_category").choices).get(code, code))


@admin.register(PortfolioSnapshot)
class PortfolioSnapshotAdmin(NamedFieldsAdmin, admin.ModelAdmin):
    named_fields = {
        "status": "status_shown",
        "delinquency_bucket": "bucket_shown",
        "risk_category": "risk_category_shown",
    }
    list_display = (
        "business_date",
        "product",
        "status_shown",
        "bucket_shown",
        "risk_category_shown",
        "loan_count",
        "principal_outstanding",
        "interest_receivable",
        "penalty_receivable",
        "interest_suspense",
        "allowance",
    )
    list_filter = (
        "business_date",
        "product",
        LabelledFilter.on(PortfolioSnapshot, "status", _loan_status),
        LabelledFilter.on(PortfolioSnapshot, "delinquency_bucket", bucket_label),
        LabelledFilter.on(PortfolioSnapshot, "risk_category", _risk_category),
    )
    readonly_fields = [field.name for field in PortfolioSnapshot._meta.fields]

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_shown(self, snapshot: PortfolioSnapshot) -> str:
        return _loan_status(snapshot.status)

    @admin.display(description=gettext_lazy("delinquency bucket"), ordering="delinquency_bucket")
    def bucket_shown(self, snapshot: PortfolioSnapshot) -> str:
        return bucket_label(snapshot.delinquency_bucket)

    @admin.display(description=gettext_lazy("risk category"), ordering="risk_category")
    def risk_category_shown(self, snapshot: PortfolioSnapshot) -> str:
        return _risk_category(snapshot.risk_category)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PenaltyCap)
class PenaltyCapAdmin(admin.ModelAdmin):
    list_display = (
        "loan",
        "business_date",
        "penalty_uncapped",
        "penalty_booked",
        "cap_rate",
        "allowed_cost",
        "charged_cost",
    )
    list_filter = ("business_date",)
    raw_id_fields = ("loan",)
    readonly_fields = [field.name for field in PenaltyCap._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CloseLease)
class CloseLeaseAdmin(admin.ModelAdmin):
    list_display = (
        "step_run",
        "worker",
        "outcome",
        "taken_at",
        "heartbeat_at",
        "heartbeats",
        "ended_at",
    )
    list_filter = ("outcome", "step_run__run__business_date", "worker")
    readonly_fields = [field.name for field in CloseLease._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
