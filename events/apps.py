from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Domain events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.audit_actions import audit_actions_register

        audit_actions_register(
            {
                "webhook.subscription_create": _("Webhook subscription created"),
                "webhook.subscription_update": _("Webhook subscription changed"),
                "webhook.secret_rotate": _("Webhook secret rotation started"),
                "webhook.rotation_end": _("Webhook secret rotation ended"),
                "webhook.redrive": _("Webhook deliveries sent again"),
            }
        )
