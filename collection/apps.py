from django.apps import AppConfig


class CollectionConfig(AppConfig):
    # The package is `collection`, not `collections`: the standard library's `collections` is
    # imported at interpreter start-up and would always shadow a top-level package of that name.
    name = "collection"
    verbose_name = "Collections"

    def ready(self) -> None:
        from . import close_steps, loan360  # noqa: F401  (registers its loan 360 part)

        close_steps.register()
