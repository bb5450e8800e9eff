"""A loan's monthly statement: JSON for the app, HTML to read or print (``?format=html`` or
``Accept: text/html``)."""

from __future__ import annotations

import re
from datetime import date

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import ProblemSerializer, exact_decimal
from ledger.services import business_date_current
from loans.api.examples import (
    STATEMENT_EXAMPLE,
)
from loans.selectors.consumer import loan_get_for_user, loan_statement

from .loans import (
    BAD_REQUEST,
    LOAN_ID,
    NOT_FOUND,
    UNAUTHENTICATED,
    BalanceSerializer,
    InstallmentOutputSerializer,
    TransactionOutputSerializer,
    money,
)

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class StatementHtmlRenderer(BaseRenderer):
    """The statement as a printable page; errors stay problem+json."""

    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is None or response.status_code >= 400:
            return JSONRenderer().render(data)
        return render_to_string(
            "loans/statement.html",
            {"statement": data},
            request=(renderer_context or {}).get("request"),
        ).encode(self.charset)


class StatementLoanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    currency = serializers.CharField()
    principal = exact_decimal()
    product = serializers.CharField(source="product.name")
    borrower = serializers.CharField(source="borrower.name")


class StatementOutputSerializer(serializers.Serializer):
    loan = StatementLoanSerializer()
    month = serializers.CharField(help_text="YYYY-MM")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    as_of = serializers.DateField(help_text="The last day covered (today, for this month).")
    opening = BalanceSerializer(help_text="Owed at the start of the month.")
    closing = BalanceSerializer(help_text="Owed at the end of the month (or today).")
    installments = InstallmentOutputSerializer(many=True, help_text="Falling due this month.")
    transactions = TransactionOutputSerializer(many=True)
    charged = money(help_text="Everything charged this month.")
    paid = money(help_text="Everything paid this month.")
    next_installment = InstallmentOutputSerializer(allow_null=True)


class LoanStatementApi(APIView):
    permission_classes = [IsAuthenticated]  # per-loan: the selector scopes to the borrower
    renderer_classes = [JSONRenderer, StatementHtmlRenderer]

    class StatementQuerySerializer(serializers.Serializer):
        month = serializers.CharField(help_text="YYYY-MM")

        def validate_month(self, value: str) -> date:
            try:
                if MONTH.match(value):
                    return date.fromisoformat(f"{value}-01")
            except ValueError:  # year 0000 matches the pattern but is no date
                pass
            raise serializers.ValidationError(_("Give the month as YYYY-MM, e.g. 2026-03."))

    @extend_schema(
        operation_id="loan_statement",
        examples=[STATEMENT_EXAMPLE],
        summary="The loan's statement for a month (JSON, or HTML with ?format=html)",
        tags=["loans"],
        parameters=[
            LOAN_ID,
            OpenApiParameter("month", str, required=True, pattern=MONTH.pattern),
            OpenApiParameter("format", str, enum=["json", "html"]),
        ],
        responses={
            (200, "application/json"): StatementOutputSerializer,
            (200, "text/html"): OpenApiResponse(
                OpenApiTypes.STR, description="A printable statement page."
            ),
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            422: OpenApiResponse(ProblemSerializer, description="No statement then (problem)."),
        },
    )
    def get(self, request: Request, loan_id: int) -> Response:
        loan = loan_get_for_user(user=request.user, loan_id=loan_id)
        params = self.StatementQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        statement = loan_statement(
            loan=loan, month=params.validated_data["month"], business_date=business_date_current()
        )
        return Response(StatementOutputSerializer(statement).data)
