from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self) -> None:
        from ledger.entry_kinds import entry_kinds_register

        from . import close_steps, loan360  # noqa: F401  (registers its loan 360 part)

        close_steps.register()
        entry_kinds_register({close_steps.KIND: _("Provision change")})
