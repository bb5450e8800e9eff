"""Origination routes of ``/api/v1/`` (included from ``config/api_urls.py``)."""

from django.urls import path

from . import origination

urlpatterns = [
    path("applications", origination.ApplicationCreateApi.as_view(), name="application-create"),
    path(
        "applications/<str:reference>",
        origination.ApplicationDetailApi.as_view(),
        name="application-detail",
    ),
    path("credit-lines", origination.CreditLineListApi.as_view(), name="credit-line-list"),
    path(
        "credit-lines/<str:reference>/drawdowns",
        origination.DrawdownCreateApi.as_view(),
        name="drawdown-create",
    ),
]
