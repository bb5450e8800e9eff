from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The foundation every app may import: domain errors, money, the API toolkit, the read-only
    admin and the audit trail. It imports nothing of the project."""

    name = "core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import admin_alt_texts

        admin_alt_texts.install()
