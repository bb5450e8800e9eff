"""The versioned API: each app contributes its own url module."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("payments.urls")),  # first: the busiest addresses (orders, callbacks)
    path("", include("loans.api.urls")),
    path("", include("loans.api.consumer_urls")),
    path("", include("origination.api.urls")),
    path("", include("compliance.urls")),
    path("", include("funding.api.urls")),
    path("", include("events.urls")),
]
