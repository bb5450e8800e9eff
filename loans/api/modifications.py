"""The borrower asks for a payment holiday or a term extension: a quote (the schedule before
and after, the APR of the rest before and after), then a request that staff approve (maker:
the borrower, checker: a staff user, in the admin's approval queue)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import ProblemSerializer
from ledger.services import business_date_current
from loans.api.examples import (
    MODIFICATION_HOLIDAY_EXAMPLE,
    MODIFICATION_QUOTE_EXAMPLE,
    MODIFICATION_REQUESTED_EXAMPLE,
    MODIFICATION_RESCHEDULE_EXAMPLE,
)
from loans.models import LoanModification
from loans.selectors.consumer import loan_get_for_user
from loans.services.modifications import modification_quote, modification_request

from .loans import BAD_REQUEST, LOAN_ID, NOT_FOUND, UNAUTHENTICATED

BORROWER_KINDS = (LoanModification.Kind.PAYMENT_HOLIDAY, LoanModification.Kind.RESCHEDULE)
PROBLEMS = {
    400: BAD_REQUEST,
    401: UNAUTHENTICATED,
    404: NOT_FOUND,
    422: OpenApiResponse(ProblemSerializer, description="A rule refused it (problem)."),
}


class ModificationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[kind.value for kind in BORROWER_KINDS])
    installments = serializers.IntegerField(
        min_value=1, max_value=12, required=False, help_text="Payment holiday: how many."
    )
    term = serializers.IntegerField(
        min_value=1, max_value=360, required=False, help_text="Term extension: periods left."
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, data):
        needed = "installments" if data["kind"] == "payment_holiday" else "term"
        if needed not in data:
            raise serializers.ValidationError({needed: "This field is required."})
        return data


class ModificationRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    principal = serializers.CharField()
    interest = serializers.CharField()
    fee = serializers.CharField()
    total = serializers.CharField()


class ModificationQuoteOutputSerializer(serializers.Serializer):
    kind = serializers.CharField()
    effective_date = serializers.DateField()
    annual_rate = serializers.CharField()
    apr_before = serializers.CharField(allow_null=True)
    apr_after = serializers.CharField(allow_null=True)
    installment_before = serializers.CharField()
    installment_after = serializers.CharField()
    schedule_before = ModificationRowSerializer(many=True)
    schedule_after = ModificationRowSerializer(many=True)


class ModificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    effective_date = serializers.DateField()
    installment_before = serializers.CharField()
    installment_after = serializers.CharField()
    schedule_after = ModificationRowSerializer(many=True)


def _parameters(data: dict) -> dict:
    return {key: data[key] for key in ("installments", "term") if key in data}


class LoanModificationQuoteApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="loan_modification_quote",
        examples=[
            MODIFICATION_HOLIDAY_EXAMPLE,
            MODIFICATION_RESCHEDULE_EXAMPLE,
            MODIFICATION_QUOTE_EXAMPLE,
        ],
        summary="Quote a payment holiday or a term extension (nothing changes)",
        tags=["modifications"],
        parameters=[LOAN_ID],
        request=ModificationInputSerializer,
        responses={200: ModificationQuoteOutputSerializer, **PROBLEMS},
    )
    def post(self, request: Request, loan_id: int) -> Response:
        loan = loan_get_for_user(user=request.user, loan_id=loan_id)
        payload = ModificationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        today = business_date_current()
        plan = modification_quote(
            loan=loan,
            kind=payload.validated_data["kind"],
            effective_date=today,
            parameters=_parameters(payload.validated_data),
            business_date=today,
        )
        return Response(ModificationQuoteOutputSerializer(plan.as_dict()).data)


class LoanModificationRequestApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="loan_modification_request",
        examples=[MODIFICATION_HOLIDAY_EXAMPLE, MODIFICATION_REQUESTED_EXAMPLE],
        summary="Ask for a payment holiday or a term extension (staff approve it)",
        tags=["modifications"],
        parameters=[LOAN_ID],
        request=ModificationInputSerializer,
        responses={201: ModificationOutputSerializer, **PROBLEMS},
    )
    def post(self, request: Request, loan_id: int) -> Response:
        loan = loan_get_for_user(user=request.user, loan_id=loan_id)
        payload = ModificationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        today = business_date_current()
        modification = modification_request(
            loan=loan,
            kind=data["kind"],
            effective_date=today,
            parameters=_parameters(data),
            business_date=today,
            requested_by=f"borrower:{loan.borrower_id}",
            reason=data["reason"],
        )
        return Response(
            ModificationOutputSerializer(modification).data, status=status.HTTP_201_CREATED
        )
