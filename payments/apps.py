from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from . import close_steps
        from .services import auto_debit

        close_steps.register()
        auto_debit.register()
