"""Subscriptions are managed here; events, deliveries and attempts are shown, never edited,
but for re-driving a subscription's parked (dead-lettered) deliveries."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from core.admin import LabelledFilter, NamedFieldsAdmin, ReadOnlyAdmin

from .labels import event_type_label
from .models import Delivery, DeliveryAttempt, Event, Subscription
from .subscriptions import secret_new, subscription_redrive


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "active", "max_attempts", "created_at")
    list_filter = ("active",)
    fields = ("name", "url", "event_types", "secret", "previous_secret", "active", "max_attempts")
    actions = ["redrive"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        secret = form.base_fields["secret"]
        secret.required = False
        secret.help_text = gettext("Leave blank for a fresh random secret (whsec_…).")
        return form

    def save_model(self, request, obj, form, change):
        if not obj.secret:
            obj.secret = secret_new()
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Re-drive the parked deliveries"))
    def redrive(self, request, queryset):
        count = sum(
            subscription_redrive(subscription=subscription, actor=request.user, source="admin")
            for subscription in queryset
        )
        self.message_user(
            request, gettext("%(count)s deliveries re-driven.") % {"count": count}, messages.SUCCESS
        )


@admin.register(Event)
class EventAdmin(NamedFieldsAdmin, ReadOnlyAdmin, admin.ModelAdmin):
    named_fields = {"type": "type_named"}
    list_display = ("position", "type_named", "subject", "sequence", "business_date", "recorded_at")
    list_filter = (LabelledFilter.on(Event, "type", event_type_label),)
    search_fields = ("subject", "uuid")

    @admin.display(description=gettext_lazy("event type"), ordering="type")
    def type_named(self, event: Event) -> str:
        return format_html("{} <code>{}</code>", event_type_label(event.type), event.type)


class AttemptInline(ReadOnlyAdmin, admin.TabularInline):
    model = DeliveryAttempt
    fields = ("attempted_at", "status_code", "error", "duration_ms")
    extra = 0


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("subscription", "event", "subject", "sequence", "status", "attempts")
    list_filter = ("status", "subscription")
    search_fields = ("subject",)
    inlines = [AttemptInline]
