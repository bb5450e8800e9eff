from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from ledger.entry_kinds import entry_kinds_register

        from . import close_steps
        from .services import auto_debit

        close_steps.register()
        auto_debit.register()
        entry_kinds_register({"suspense": _("Booked to suspense")})
