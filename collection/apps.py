from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    # The package is `collection`, not `collections`: the standard library's `collections` is
    # imported at interpreter start-up and would always shadow a top-level package of that name.
    name = "collection"
    verbose_name = _("Collections")

    def ready(self) -> None:
        from . import close_steps, loan360  # noqa: F401  (registers its loan 360 part)

        close_steps.register()
