from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from core.audit_actions import audit_actions_register
        from ledger.entry_kinds import entry_kinds_register

        from . import close_steps
        from .services import auto_debit

        close_steps.register()
        auto_debit.register()
        entry_kinds_register({"suspense": _("Booked to suspense")})
        audit_actions_register(
            {
                "mandate.grant": _("Debit mandate granted"),
                "mandate.revoke": _("Debit mandate revoked"),
                "payment_order.review_resolved": _("Payment order review resolved"),
                "payment_order.succeeded_after_failure": _("Payment order succeeded after failing"),
                "reconciliation.approve": _("Reconciliation approved"),
                "reconciliation.reject": _("Reconciliation rejected"),
            }
        )
