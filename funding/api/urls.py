"""The funding app's API routes (included by `config.api_urls` under /api/v1/)."""

from django.urls import path

from .views import FunderFileApi, SettlementStatementApi

urlpatterns = [
    path(
        "backoffice/funders/<slug:code>/settlement",
        SettlementStatementApi.as_view(),
        name="funder-settlement",
    ),
    path("backoffice/funders/<slug:code>/file", FunderFileApi.as_view(), name="funder-file"),
]
