from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BorrowerAppConfig(AppConfig):
    name = "borrower_app"
    verbose_name = _("Borrower app")
