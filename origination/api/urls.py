"""Origination routes of ``/api/v1/`` (included from ``config/api_urls.py``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("applications", views.ApplicationsApi.as_view(), name="applications"),
    path(
        "applications/<str:reference>",
        views.ApplicationDetailApi.as_view(),
        name="application-detail",
    ),
    path("credit-lines", views.CreditLineListApi.as_view(), name="credit-line-list"),
    path(
        "credit-lines/<str:reference>/drawdowns",
        views.DrawdownCreateApi.as_view(),
        name="drawdown-create",
    ),
]
