from django.apps import AppConfig


class OriginationConfig(AppConfig):
    """Applications, the decision pipeline, credit lines, drawdowns and merchants.

    Its own app, above `loans`: its models refer to borrowers, products and loans and nothing in
    `loans` refers to them, so the layers contract can state it (see the README)."""

    name = "origination"
    verbose_name = "Origination"

    def ready(self) -> None:
        from . import close_steps

        close_steps.register()
