from . import loans, products  # noqa: F401  (registers the admin classes)
