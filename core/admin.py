"""What every app's admin shares, and the audit trail's page."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import admin_third_party
from .audit_actions import audit_action_label, audit_object_type_label, audit_source_label
from .errors import DomainError
from .maker_checker import Decision
from .models import AuditEvent


class ReadOnlyAdmin:
    """An admin (or inline) that shows records and never adds, changes or deletes them: for
    records written only by services (decisions, drawdowns, schedules, the audit trail)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NamedFieldsAdmin:
    """A record's page that shows stored codes by their names: `named_fields` maps a field to the
    display method (a read-only field) shown in its place."""

    named_fields: dict[str, str] = {}

    def get_fields(self, request, obj=None):
        fields = [self.named_fields.get(name, name) for name in super().get_fields(request, obj)]
        return list(dict.fromkeys(fields))

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + tuple(name for name in self.named_fields.values() if name not in readonly)


class MakerCheckerAdmin:
    """A request's page with approve and reject buttons for a user holding
    `approve_permission` (`decide_url`), calling the request's service (`decide`); a refusal
    (the maker deciding, a request already decided) comes back as an error message.
    `decision_prefix` names the buttons' ids; `own_request_text` tells the maker why they
    cannot decide; `decided_message` formats the success message (``id`` and ``done``)."""

    change_form_template = "admin/maker_checker_change_form.html"
    decision: Decision
    approve_permission: str
    decision_prefix: str
    own_request_text: str
    decided_message: str

    def decide(self, request, obj, *, approve: bool, note: str) -> None:
        raise NotImplementedError

    def _decide_name(self) -> str:
        meta = self.model._meta
        return f"{meta.app_label}_{meta.model_name}_decide"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide_view),
                name=self._decide_name(),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.model.objects.filter(pk=object_id).first()
        maker = getattr(obj, self.decision.maker, None)
        extra_context.update(
            can_decide=bool(
                obj
                and obj.status == self.decision.pending
                and request.user.has_perm(self.approve_permission)
            ),
            own_request=obj is not None and maker in (request.user.pk, request.user.get_username()),
            own_request_text=_(self.own_request_text),
            decision_prefix=self.decision_prefix,
        )
        if obj is not None:
            extra_context.update(
                {
                    f"{decision}_url": reverse(
                        f"admin:{self._decide_name()}", args=[obj.pk, decision]
                    )
                    for decision in ("approve", "reject")
                }
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, object_id: str, decision: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if decision not in ("approve", "reject"):
            raise PermissionDenied
        obj = get_object_or_404(self.model, pk=object_id)
        try:
            self.decide(
                request,
                obj,
                approve=decision == "approve",
                note=request.POST.get("note", "").strip(),
            )
        except DomainError as exc:
            messages.error(request, f"{_(str(exc.title))} {exc.detail}")
        else:
            done = _("approved and applied") if decision == "approve" else _("rejected")
            messages.success(request, _(self.decided_message) % {"id": obj.pk, "done": done})
        meta = self.model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        )


class LabelledFilter(admin.SimpleListFilter):
    """A filter on a code column that lists each stored code by its name (one query)."""

    field = ""

    @classmethod
    def on(cls, model, field: str, label) -> type[LabelledFilter]:
        """A filter on `model`'s `field`, headed by the field's name, each code by `label`."""
        return type(
            f"{field.title()}Filter",
            (cls,),
            {
                "field": field,
                "parameter_name": field,
                "title": model._meta.get_field(field).verbose_name,
                "label": staticmethod(label),
            },
        )

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).order_by().values_list(self.field, flat=True)
        return sorted(
            ((code, self.label(code)) for code in set(codes)), key=lambda pair: str(pair[1])
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field: self.value()})
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """The audit trail: read-only for everyone (PostgreSQL refuses changes anyway)."""

    list_display = (
        "created_at",
        "actor_username",
        "action_name",
        "object_type_name",
        "object_repr",
        "source_name",
        "reason",
    )
    list_filter = (
        LabelledFilter.on(AuditEvent, "action", audit_action_label),
        LabelledFilter.on(AuditEvent, "source", audit_source_label),
        LabelledFilter.on(AuditEvent, "object_type", audit_object_type_label),
    )
    search_fields = ("actor_username", "object_repr", "object_id", "reason")
    date_hierarchy = "created_at"
    # the event's page names its action, object type and source, each with its stored code
    fields = (
        ("created_at", "business_date"),
        ("actor", "actor_username"),
        "action_named",
        ("object_type_named", "object_id"),
        "object_repr",
        "before",
        "after",
        "reason",
        "source_named",
    )
    readonly_fields = ("action_named", "object_type_named", "source_named")

    @admin.display(description=gettext_lazy("action"), ordering="action")
    def action_name(self, event: AuditEvent) -> str:
        return audit_action_label(event.action)

    @admin.display(description=gettext_lazy("object type"), ordering="object_type")
    def object_type_name(self, event: AuditEvent) -> str:
        return audit_object_type_label(event.object_type)

    @admin.display(description=gettext_lazy("action"))
    def action_named(self, event: AuditEvent) -> str:
        return format_html("{} <code>{}</code>", audit_action_label(event.action), event.action)

    @admin.display(description=gettext_lazy("object type"))
    def object_type_named(self, event: AuditEvent) -> str:
        label = audit_object_type_label(event.object_type)
        return format_html("{} <code>{}</code>", label, event.object_type)

    @admin.display(description=gettext_lazy("source"))
    def source_named(self, event: AuditEvent) -> str:
        return format_html("{} <code>{}</code>", audit_source_label(event.source), event.source)

    @admin.display(description=gettext_lazy("source"), ordering="source")
    def source_name(self, event: AuditEvent) -> str:
        return audit_source_label(event.source)


admin_third_party.install()
