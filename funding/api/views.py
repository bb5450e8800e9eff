"""Back-office API for funders: a partner's daily settlement statement and a funder's
month-end loan-level file (CSV). Staff holding `funding.view_settlementrun`."""

from __future__ import annotations

from datetime import date

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import StaffPermission
from core.api.serializers import ProblemSerializer
from funding.api.examples import (
    FUNDER_FILE_EXAMPLE,
    SETTLEMENT_EXAMPLE,
)
from ledger.services import business_date_current

from ..models import Funder
from ..selectors.files import funder_file_csv
from ..selectors.statements import settlement_statement

PERMISSION = "funding.view_settlementrun"
PROBLEMS = {
    400: OpenApiResponse(ProblemSerializer, description="A bad date (problem)."),
    401: OpenApiResponse(ProblemSerializer, description="Not signed in (problem)."),
    403: OpenApiResponse(ProblemSerializer, description="Missing permission (problem)."),
    404: OpenApiResponse(ProblemSerializer, description="No such funder (problem)."),
}


def _funder(code: str) -> Funder:
    funder = Funder.objects.filter(code=code).first()
    if funder is None:
        raise NotFound(f"No funder {code!r}.")
    return funder


def _date(value: str | None) -> date:
    if not value:
        return business_date_current()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({"date": f"{value!r} is not a date (YYYY-MM-DD)."}) from None


class StatementSerializer(serializers.Serializer):
    funder = serializers.CharField()
    business_date = serializers.DateField()
    principal = serializers.DecimalField(max_digits=20, decimal_places=2)
    interest = serializers.DecimalField(max_digits=20, decimal_places=2)
    fee = serializers.DecimalField(max_digits=20, decimal_places=2)
    penalty = serializers.DecimalField(max_digits=20, decimal_places=2)
    recoveries = serializers.DecimalField(max_digits=20, decimal_places=2)
    collections = serializers.DecimalField(max_digits=20, decimal_places=2)
    other = serializers.DecimalField(max_digits=20, decimal_places=2)
    service_fee = serializers.DecimalField(max_digits=20, decimal_places=2)
    net_amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    loans = serializers.IntegerField()


class SettlementStatementApi(APIView):
    permission_classes = [StaffPermission]
    required_permission = PERMISSION

    @extend_schema(
        operation_id="funder_settlement_statement",
        examples=[SETTLEMENT_EXAMPLE],
        summary="A partner's settlement statement of a business date",
        tags=["funding"],
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today.")],
        responses={200: StatementSerializer, **PROBLEMS},
    )
    def get(self, request: Request, code: str) -> Response:
        funder = _funder(code)
        statement = settlement_statement(funder=funder, on=_date(request.query_params.get("date")))
        return Response(StatementSerializer(statement.as_dict()).data)


class FunderFileApi(APIView):
    permission_classes = [StaffPermission]
    required_permission = PERMISSION

    @extend_schema(
        operation_id="funder_loan_file",
        examples=[FUNDER_FILE_EXAMPLE],
        summary="A funder's loan-level file (CSV): share, balances, days past due, class",
        tags=["funding"],
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today.")],
        responses={(200, "text/csv"): OpenApiTypes.STR, **PROBLEMS},
    )
    def get(self, request: Request, code: str) -> StreamingHttpResponse:
        funder = _funder(code)
        as_of = _date(request.query_params.get("date"))
        response = StreamingHttpResponse(
            funder_file_csv(funder=funder, as_of=as_of), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="{funder.code}-{as_of}.csv"'
        return response
