from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from . import close_steps, loan360  # noqa: F401  (registers its loan 360 part)

        close_steps.register()
