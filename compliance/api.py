"""Back-office report endpoints (``/api/v1/backoffice/reports``): staff holding
``compliance.view_reports`` list the reports and fetch any of them as JSON, CSV or (the
credit-bureau file) its fixed-width layout. The report is built (and its parameters checked)
before the first byte is sent; the rows then stream."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from compliance.api_examples import (
    REPORT_CSV_EXAMPLE,
    REPORT_JSON_EXAMPLE,
    REPORT_LIST_EXAMPLE,
)
from core.api.permissions import StaffPermission
from core.api.serializers import ProblemSerializer

from .reports.export import CONTENT_TYPES, export_chunks
from .reports.registry import (
    FORMATS,
    REPORTS,
    check_format,
    parse_date,
    report_build,
    report_spec,
)

REPORT_PERMISSION = "compliance.view_reports"
PROBLEMS = {
    400: OpenApiResponse(ProblemSerializer, description="A bad date or parameter (problem)."),
    401: OpenApiResponse(ProblemSerializer, description="Not signed in (problem)."),
    403: OpenApiResponse(ProblemSerializer, description="Missing permission (problem)."),
    404: OpenApiResponse(ProblemSerializer, description="No such report (problem)."),
    422: OpenApiResponse(ProblemSerializer, description="Data not captured yet (problem)."),
}


class _NoFormatOverride:
    """DRF's settings, except that `?format=` is the report's file format here, not a choice of
    DRF renderer (errors are still problem+json)."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name):
        return getattr(api_settings, name)


class ReportNegotiation(DefaultContentNegotiation):
    settings = _NoFormatOverride()


class ReportSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    schedule = serializers.CharField(help_text="daily or monthly")
    period = serializers.CharField(help_text="day, month (to date) or year (12 months)")
    formats = serializers.ListField(child=serializers.CharField())


class ReportListApi(APIView):
    permission_classes = [StaffPermission]
    required_permission = REPORT_PERMISSION

    @extend_schema(
        operation_id="report_list",
        examples=[REPORT_LIST_EXAMPLE],
        summary="The reports staff can produce",
        tags=["reports"],
        responses={200: ReportSummarySerializer(many=True), **PROBLEMS},
    )
    def get(self, request: Request) -> Response:
        items = [
            {
                "name": spec.name,
                "title": spec.title,
                "schedule": spec.schedule,
                "period": spec.period,
                "formats": list(spec.formats),
            }
            for spec in REPORTS.values()
        ]
        return Response(ReportSummarySerializer(items, many=True).data)


class ReportDetailApi(APIView):
    permission_classes = [StaffPermission]
    required_permission = REPORT_PERMISSION
    content_negotiation_class = ReportNegotiation

    @extend_schema(
        operation_id="report_retrieve",
        examples=[REPORT_JSON_EXAMPLE, REPORT_CSV_EXAMPLE],
        summary="A report for a closed business date: rows and totals",
        tags=["reports"],
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=sorted(REPORTS)),
            OpenApiParameter("date", OpenApiTypes.DATE, description="Default: last closed."),
            OpenApiParameter("start", OpenApiTypes.DATE, description="Start of the period."),
            OpenApiParameter("product", str, description="Only this product (code)."),
            OpenApiParameter("currency", str, description="Default: REPORT_CURRENCY or CNY."),
            OpenApiParameter("format", str, enum=FORMATS, description="Default: json."),
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "text/plain"): OpenApiTypes.STR,
            **PROBLEMS,
        },
    )
    def get(self, request: Request, name: str) -> StreamingHttpResponse:
        spec = report_spec(name)
        query = request.query_params
        fmt = check_format(spec, query.get("format") or "json")
        report = report_build(
            name=spec.name,
            as_of=parse_date(query.get("date")),
            start=parse_date(query.get("start"), field="start"),
            product=query.get("product") or None,
            currency=query.get("currency") or None,
        )
        response = StreamingHttpResponse(
            export_chunks(report, fmt), content_type=CONTENT_TYPES[fmt]
        )
        if fmt != "json":
            filename = f"{report.name}_{report.params.as_of.isoformat()}.{fmt}"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
