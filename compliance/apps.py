from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from . import close_steps, loan360  # noqa: F401  (registers its loan 360 part)

        close_steps.register()
