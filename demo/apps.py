from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The local demo: demo products, borrowers and a simulated portfolio living through closes.
    It drives every app (the top of the house, beside `config`); nothing imports it."""

    name = "demo"
    verbose_name = _("Demo")
