"""Collections in the admin: the collector's queue, the case page (balance, schedule, attempt
history) with "log attempt", "record outcome" and "record promise" going through the guard,
strategies (editable) and the attempt log (read-only: attempts are evidence, kept 5 years)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from ledger.services import business_date_current
from loans.models import Installment

from .forms import LogAttemptForm, RecordOutcomeForm, RecordPromiseForm
from .models import (
    CollectionCase,
    CollectorQueueCase,
    ContactAttempt,
    PromiseToPay,
    ScheduledAction,
    Strategy,
    StrategyStep,
)
from .selectors import case_balances, case_recovery, case_schedule
from .services import (
    case_update,
    cases_assign,
    contact_attempt_request,
    contact_outcome_record,
    promise_record,
)
from .workspace import WorkspaceMixin


def collection_staff():
    """Active staff who can work cases: the collector group, a direct grant, or a superuser."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(
                groups__permissions__codename="work_case",
                groups__permissions__content_type__app_label="collection",
            )
            | Q(
                user_permissions__codename="work_case",
                user_permissions__content_type__app_label="collection",
            )
        )
        .distinct()
        .order_by("username")
    )


class AssignedAgentFilter(admin.RelatedFieldListFilter):
    """Only collection staff to choose from, not every user (borrowers included)."""

    def field_choices(self, field, request, model_admin):
        return [(user.pk, str(user)) for user in collection_staff()]


class StrategyStepInline(admin.TabularInline):
    model = StrategyStep
    extra = 0
    fields = (
        "order",
        "name",
        "action",
        "channel",
        "dpd_from",
        "dpd_to",
        "repeat_every_days",
        "required_notice",
        "template",
    )


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ("name", "jurisdiction", "is_default", "is_active", "contact_time")
    inlines = [StrategyStepInline]

    def has_delete_permission(self, request, obj=None):
        return False  # scheduled actions refer to its steps; deactivate it instead


class AttemptInline(ReadOnlyAdmin, admin.TabularInline):
    model = ContactAttempt
    fields = (
        "attempted_at",
        "channel",
        "target",
        "agent",
        "allowed",
        "blocked_by",
        "reason",
        "deferred_until",
        "outcome",
        "is_effective_interaction",
    )
    readonly_fields = fields
    ordering = ("-attempted_at",)
    extra = 0


class PromiseInline(ReadOnlyAdmin, admin.TabularInline):
    model = PromiseToPay
    fields = ("made_on", "amount", "promised_date", "status", "paid_since", "resolved_on")
    readonly_fields = fields
    extra = 0


class ActionInline(ReadOnlyAdmin, admin.TabularInline):
    model = ScheduledAction
    fields = ("step", "due_at", "status", "deferrals", "last_rule", "last_reason")
    readonly_fields = fields
    ordering = ("-due_at",)
    extra = 0


@admin.register(CollectionCase)
class CollectionCaseAdmin(admin.ModelAdmin):
    change_form_template = "admin/collection/collectioncase/change_form.html"
    list_display = (
        "id",
        "loan",
        "borrower_masked",
        "days_past_due",
        "bucket",
        "queue",
        "assigned_agent",
        "priority",
        "next_action_date",
        "next_action",
        "status",
        "cease_contact",
        "disputed",
    )
    list_filter = (
        "status",
        "bucket",
        "queue",
        ("assigned_agent", AssignedAgentFilter),
        "cease_contact",
        "disputed",
    )
    search_fields = ("=id", "loan__reference", "borrower__name")
    list_select_related = ("loan", "borrower", "assigned_agent")
    ordering = ("-priority", "next_action_date", "id")
    actions = ["assign_to_me"]
    fields = (
        "loan",
        "borrower_masked",
        "status",
        "opened_on",
        "closed_on",
        "close_reason",
        "recovery_referred_on",
        "days_past_due",
        "peak_days_past_due",
        "bucket",
        "queue",
        "assigned_agent",
        "priority",
        "next_action_date",
        "next_action",
        "cease_contact",
        "disputed",
        "balance",
        "recovery",
        "schedule",
    )
    editable = ("assigned_agent", "priority", "queue", "cease_contact", "disputed")
    inlines = [AttemptInline, PromiseInline, ActionInline]

    def get_readonly_fields(self, request, obj=None):
        return [name for name in self.fields if name not in self.editable]

    def has_add_permission(self, request):
        return False  # cases open with delinquency (cases_sync), never by hand

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_agent":
            kwargs["queryset"] = collection_staff()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("borrower"))
    def borrower_masked(self, obj):
        return f"{obj.borrower.name} ({obj.borrower.mobile_masked or obj.borrower_id})"

    @admin.display(description=gettext_lazy("balance (ledger)"))
    def balance(self, obj):
        rows = sorted(case_balances(case=obj).items())
        if not rows:
            return gettext("no postings")
        return format_html(
            "<table><tr><th>{}</th><th>{}</th></tr>{}</table>",
            gettext("Account"),
            gettext("Balance"),
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description=gettext_lazy("recovery after charge-off"))
    def recovery(self, obj):
        figures, recoveries = case_recovery(case=obj)
        if not figures.written_off:
            return gettext("not written off")
        rows = [
            (r.value_date, r.get_source_display(), r.amount, r.get_status_display())
            for r in recoveries
        ]
        return format_html(
            "<p id='case-recovery'>{}</p><table><tr><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th></tr>{}</table>",
            gettext(
                "written off %(amount)s %(currency)s on %(date)s · recovered %(recovered)s"
                " · still recoverable %(remaining)s"
            )
            % {
                "amount": figures.written_off,
                "currency": figures.currency,
                "date": figures.written_off_on,
                "recovered": figures.recovered,
                "remaining": figures.remaining,
            },
            gettext("Value date"),
            gettext("Source"),
            gettext("Amount"),
            gettext("Status"),
            format_html_join("", "<tr>" + "<td>{}</td>" * 4 + "</tr>", rows),
        )

    @admin.display(description=gettext_lazy("schedule"))
    def schedule(self, obj):
        statuses = dict(Installment.Status.choices)
        rows = [
            (
                row.number,
                row.due_date,
                row.total_due,
                row.total_paid,
                row.outstanding,
                statuses.get(row.status, row.status),
            )
            for row in case_schedule(case=obj)
        ]
        return format_html(
            "<table><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th></tr>{}</table>",
            gettext("Due date"),
            gettext("Amount due"),
            gettext("Paid"),
            gettext("Outstanding"),
            gettext("Status"),
            format_html_join("", "<tr>" + "<td>{}</td>" * 6 + "</tr>", rows),
        )

    @admin.action(description=gettext_lazy("Assign to me"))
    def assign_to_me(self, request, queryset):
        count = cases_assign(
            case_ids=list(queryset.values_list("id", flat=True)), agent=request.user
        )
        self.message_user(
            request, gettext("%(count)s open case(s) assigned to you.") % {"count": count}
        )

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if changes:
            try:
                case_update(case_id=obj.pk, **changes)
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)

    def get_urls(self):
        view = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<int:case_id>/log-attempt/",
                view(self.log_attempt_view),
                name=f"{prefix}_log_attempt",
            ),
            path(
                "<int:case_id>/record-outcome/",
                view(self.record_outcome_view),
                name=f"{prefix}_record_outcome",
            ),
            path(
                "<int:case_id>/record-promise/",
                view(self.record_promise_view),
                name=f"{prefix}_record_promise",
            ),
            *super().get_urls(),
        ]

    def _case_page(self, case_id: int):
        return redirect(reverse("admin:collection_collectioncase_change", args=[case_id]))

    def _form_page(self, request, case, form, title: str):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": case,
            "title": title,
            "form": form,
        }
        return TemplateResponse(request, "admin/collection/case_form.html", context)

    def _work(self, request, case_id: int, form_class, title: str, act, form_kwargs=None):
        case = get_object_or_404(CollectionCase, pk=case_id)
        if not (
            request.user.has_perm("collection.work_case")
            or self.has_change_permission(request, case)
        ):
            return self._case_page(case_id)
        form = form_class(request.POST or None, **(form_kwargs or {}))
        if request.method == "POST" and form.is_valid():
            try:
                act(case, form.cleaned_data)
            except DomainError as exc:
                rule = exc.context.get("rule")
                reason = f"Not allowed ({rule}): {exc.detail}" if rule else exc.detail
                self.message_user(request, f"{exc.title} {reason}", messages.ERROR)
                return self._form_page(request, case, form, title)
            return self._case_page(case_id)
        return self._form_page(request, case, form, title)

    def log_attempt_view(self, request, case_id: int):
        def act(case, data):
            attempt = contact_attempt_request(
                case_id=case.id,
                channel=data["channel"],
                at=timezone.now(),
                agent=request.user,
                target=data["target"],
                purpose=data["purpose"],
                message=data["message"],
                amount_demanded=data["amount_demanded"],
                outcome=data["outcome"],
                business_date=business_date_current(),
            )
            if attempt.allowed:
                self.message_user(
                    request, gettext("Allowed: attempt %(id)s recorded.") % {"id": attempt.id}
                )
            else:
                until = ""
                if attempt.deferred_until:
                    until = f" Next allowed: {attempt.deferred_until:%Y-%m-%d %H:%M %Z}."
                self.message_user(
                    request,
                    f"Not allowed ({attempt.blocked_by}): {attempt.reason}{until}",
                    messages.ERROR,
                )

        return self._work(request, case_id, LogAttemptForm, gettext("Log a contact attempt"), act)

    def record_outcome_view(self, request, case_id: int):
        def act(case, data):
            contact_outcome_record(
                attempt_id=data["attempt"].id, outcome=data["outcome"], recorded_at=timezone.now()
            )
            self.message_user(request, gettext("Outcome recorded."))

        return self._work(
            request,
            case_id,
            RecordOutcomeForm,
            gettext("Record an outcome"),
            act,
            form_kwargs={"case_id": case_id},
        )

    def record_promise_view(self, request, case_id: int):
        def act(case, data):
            promise_record(
                case_id=case.id,
                amount=data["amount"],
                promised_date=data["promised_date"],
                at=timezone.now(),
                business_date=business_date_current(),
                agent=request.user,
                channel=data["channel"],
                note=data["note"],
            )
            self.message_user(request, gettext("Promise to pay recorded."))

        return self._work(
            request, case_id, RecordPromiseForm, gettext("Record a promise to pay"), act
        )


@admin.register(CollectorQueueCase)
class CollectorQueueAdmin(WorkspaceMixin, CollectionCaseAdmin):
    """My queue: the signed-in collector's open cases, by priority then next action; its
    workspace page (`collection.workspace`) adds when contact is next allowed and one-click
    outcomes."""

    list_filter = ("bucket", "queue", "cease_contact", "disputed")
    actions = []
    change_list_template = "admin/collection/collectorqueuecase/change_list.html"

    def get_urls(self):
        return [*self.workspace_urls(), *super().get_urls()]

    def get_list_display(self, request):
        return [*super().get_list_display(request), "work"]

    @admin.display(description=gettext_lazy("work"))
    def work(self, case: CollectionCase):
        """One click from the queue to each of the case's guarded actions."""
        prefix = "admin:collection_collectorqueuecase"
        return format_html_join(
            " · ",
            "<a href='{}' id='{}-{}'>{}</a>",
            (
                (reverse(f"{prefix}_{name}", args=[case.pk]), name, case.pk, label)
                for name, label in (
                    ("log_attempt", gettext("Log attempt")),
                    ("record_outcome", gettext("Record outcome")),
                    ("record_promise", gettext("Record promise")),
                )
            ),
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(assigned_agent=request.user, status=CollectionCase.Status.OPEN)
        )


@admin.register(ContactAttempt)
class ContactAttemptAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = (
        "id",
        "attempted_at",
        "case",
        "channel",
        "target",
        "agent",
        "allowed",
        "blocked_by",
        "deferred_until",
        "outcome",
        "retain_until",
    )
    list_filter = ("allowed", "channel", "blocked_by", "target", "outcome", "ruleset")
    search_fields = ("=case__id", "case__loan__reference")
    date_hierarchy = "attempted_at"
    list_select_related = ("case", "agent")


@admin.register(PromiseToPay)
class PromiseToPayAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("id", "case", "amount", "promised_date", "status", "made_on", "resolved_on")
    list_filter = ("status",)
    search_fields = ("=case__id",)


@admin.register(ScheduledAction)
class ScheduledActionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("id", "case", "step", "due_at", "status", "attempts", "deferrals", "last_rule")
    list_filter = ("status", "last_rule", "step__action")
    search_fields = ("=case__id",)
    list_select_related = ("case", "step")
