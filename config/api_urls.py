"""The versioned API: each app contributes its own url module."""

urlpatterns: list = []
