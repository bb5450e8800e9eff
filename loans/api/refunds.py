"""The borrower asks for money held for them beyond what was owed back, and reads their requests.

A request moves no money: staff approve it in the admin ("Refund requests"), which posts the
refund through the ledger. The POST requires an ``Idempotency-Key`` like the payments.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from core.api.serializers import DecimalStringField, ProblemSerializer, exact_decimal
from ledger.services import business_date_current
from loans.api.examples import (
    REFUND_ASK_EXAMPLE,
    REFUND_ASKED_EXAMPLE,
    REFUND_LIST_EXAMPLE,
)
from loans.models import RefundRequest
from loans.selectors.consumer import loan_get_for_user
from loans.services.refund_requests import refund_available, refund_request_create

from .loans import BAD_REQUEST, LOAN_ID, NOT_FOUND, UNAUTHENTICATED, money


class RefundRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = exact_decimal()
    status = serializers.ChoiceField(choices=RefundRequest.Status.choices)
    business_date = serializers.DateField(help_text="The business date it was asked on.")
    decision_note = serializers.CharField(allow_blank=True)


class RefundRequestListSerializer(serializers.Serializer):
    available = money(help_text="Held for you and not yet asked for.")
    results = RefundRequestOutputSerializer(many=True)


class LoanRefundRequestApi(APIView):
    permission_classes = [IsAuthenticated]  # per-loan: the selector scopes to the borrower

    class RefundRequestInputSerializer(serializers.Serializer):
        amount = DecimalStringField(
            max_digits=20, decimal_places=2, min_value=Decimal("0.01"), help_text='"80.00"'
        )

    @extend_schema(
        operation_id="loan_refund_requests_list",
        examples=[REFUND_LIST_EXAMPLE],
        summary="What is held for you beyond what you owed, and your refund requests",
        tags=["payments"],
        parameters=[LOAN_ID],
        responses={200: RefundRequestListSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, loan_id: int) -> Response:
        loan = loan_get_for_user(user=request.user, loan_id=loan_id)
        body = {
            "available": refund_available(loan),
            "results": list(RefundRequest.objects.filter(loan=loan)),
        }
        return Response(RefundRequestListSerializer(body).data)

    @extend_schema(
        operation_id="loan_refund_request_create",
        examples=[REFUND_ASK_EXAMPLE, REFUND_ASKED_EXAMPLE],
        summary="Ask for money held for you beyond what you owed back (staff approve it)",
        tags=["payments"],
        parameters=[LOAN_ID, IDEMPOTENCY_PARAMETER],
        request=RefundRequestInputSerializer,
        responses={
            201: RefundRequestOutputSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            422: OpenApiResponse(
                ProblemSerializer, description="More than is held for you (problem)."
            ),
        },
    )
    def post(self, request: Request, loan_id: int) -> Response:
        loan = loan_get_for_user(user=request.user, loan_id=loan_id)
        payload = self.RefundRequestInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)

        def perform() -> Response:
            created = refund_request_create(
                loan=loan,
                amount=payload.validated_data["amount"],
                actor=request.user,
                business_date=business_date_current(),
            )
            return Response(
                RefundRequestOutputSerializer(created).data, status=status.HTTP_201_CREATED
            )

        return idempotent(request, perform)
