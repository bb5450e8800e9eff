from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The local demo: demo products, borrowers and a simulated portfolio living through closes.
    It drives every app (the top of the house, beside `config`); nothing imports it."""

    name = "demo"
    verbose_name = "Demo"
