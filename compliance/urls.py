"""The compliance app's API routes (included by `config.api_urls` under /api/v1/)."""

from django.urls import path

from .api import ReportDetailApi, ReportListApi

urlpatterns = [
    path("backoffice/reports", ReportListApi.as_view(), name="report-list"),
    path("backoffice/reports/<str:name>", ReportDetailApi.as_view(), name="report-detail"),
]
