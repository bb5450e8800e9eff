"""Back-office endpoints (``/api/v1/backoffice/...``): staff users with the matching Django
permission approve, reject and disburse loans, record bank repayments, reverse repayments, ask
for (or decide) write-offs and record a borrower's credit assessment. Every action is audited by
the service it calls."""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from core.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from core.api.permissions import StaffPermission
from core.api.serializers import DecimalStringField, ProblemSerializer, exact_decimal
from ledger.services import business_date_current
from loans.api.examples import (
    ADJUSTMENT_APPROVED_EXAMPLE,
    ADJUSTMENT_REJECTED_EXAMPLE,
    APPROVE_EXAMPLE,
    APPROVED_EXAMPLE,
    BANK_REPAYMENT_EXAMPLE,
    BANK_REPAYMENT_POSTED_EXAMPLE,
    CREDIT_ASSESS_EXAMPLE,
    CREDIT_ASSESSED_EXAMPLE,
    DECISION_NOTE_EXAMPLE,
    DISBURSE_EXAMPLE,
    DISBURSED_EXAMPLE,
    REJECT_EXAMPLE,
    REJECTED_EXAMPLE,
    REVERSE_EXAMPLE,
    REVERSED_EXAMPLE,
    WRITE_OFF_EXAMPLE,
    WRITE_OFF_REQUESTED_EXAMPLE,
)
from loans.models import AdjustmentRequest, Borrower, Loan, Repayment
from loans.services.adjustments import adjustment_approve, adjustment_reject, adjustment_request
from loans.services.backoffice import (
    backoffice_credit_assess,
    backoffice_loan_approve,
    backoffice_loan_disburse,
    backoffice_loan_reject,
    backoffice_repayment_record,
    backoffice_repayment_reverse,
)
from loans.services.loan_position import loan_position

from .loans import LoanOutputSerializer
from .payments import RepaymentOutputSerializer, repayment_output, service_key

STAFF_PROBLEMS = {
    400: OpenApiResponse(ProblemSerializer, description="A field is invalid (problem)."),
    401: OpenApiResponse(ProblemSerializer, description="Not signed in (problem)."),
    403: OpenApiResponse(ProblemSerializer, description="Missing permission (problem)."),
    404: OpenApiResponse(ProblemSerializer, description="No such object (problem)."),
    409: OpenApiResponse(ProblemSerializer, description="Not in that state (problem)."),
    422: OpenApiResponse(ProblemSerializer, description="Refused by a rule (problem)."),
}
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The object's id.")


class BackofficeThrottle(UserRateThrottle):
    scope = "backoffice"

    def get_rate(self) -> str:
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class StaffApi(APIView):
    permission_classes = [StaffPermission]
    throttle_classes = [BackofficeThrottle]
    required_permission = ""


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


def _loan_action(view: StaffApi, request: Request, pk: int, service, serializer) -> Response:
    loan = get_object_or_404(Loan, pk=pk)
    payload = serializer(data=request.data)
    payload.is_valid(raise_exception=True)
    changed = service(
        loan=loan,
        actor=request.user,
        business_date=business_date_current(),
        reason=payload.validated_data["reason"],
        source="api",
    )
    changed.position = loan_position(loan=changed, business_date=business_date_current())
    return Response(LoanOutputSerializer(changed).data)


class LoanApproveApi(StaffApi):
    required_permission = "loans.approve_loan"

    @extend_schema(
        operation_id="backoffice_loan_approve",
        examples=[APPROVE_EXAMPLE, APPROVED_EXAMPLE],
        summary="Approve a pending loan",
        tags=["backoffice"],
        parameters=[ID],
        request=ReasonSerializer,
        responses={200: LoanOutputSerializer, **STAFF_PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        return _loan_action(self, request, pk, backoffice_loan_approve, ReasonSerializer)


class LoanRejectApi(StaffApi):
    required_permission = "loans.approve_loan"

    @extend_schema(
        operation_id="backoffice_loan_reject",
        examples=[REJECT_EXAMPLE, REJECTED_EXAMPLE],
        summary="Reject a pending or approved loan",
        tags=["backoffice"],
        parameters=[ID],
        request=RequiredReasonSerializer,
        responses={200: LoanOutputSerializer, **STAFF_PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        return _loan_action(self, request, pk, backoffice_loan_reject, RequiredReasonSerializer)


class LoanDisburseApi(StaffApi):
    required_permission = "loans.disburse_loan"

    @extend_schema(
        operation_id="backoffice_loan_disburse",
        examples=[DISBURSE_EXAMPLE, DISBURSED_EXAMPLE],
        summary="Disburse an approved loan: schedule built, money out",
        tags=["backoffice"],
        parameters=[ID],
        request=ReasonSerializer,
        responses={200: LoanOutputSerializer, **STAFF_PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        return _loan_action(self, request, pk, backoffice_loan_disburse, ReasonSerializer)


class BankRepaymentApi(StaffApi):
    required_permission = "loans.record_repayment"

    class BankRepaymentInputSerializer(serializers.Serializer):
        amount = DecimalStringField(max_digits=20, decimal_places=2, min_value=Decimal("0.01"))
        value_date = serializers.DateField(
            required=False, help_text="When the bank received it; default: the business date."
        )
        external_reference = serializers.CharField(
            max_length=64, required=False, allow_blank=True, default=""
        )
        source = serializers.ChoiceField(
            choices=Repayment.Source.choices,
            required=False,
            allow_blank=True,
            default="",
            help_text="On a charged-off loan (a recovery): who collected it; default: the "
            "borrower. Refused on other loans.",
        )

    @extend_schema(
        operation_id="backoffice_repayment_create",
        examples=[BANK_REPAYMENT_EXAMPLE, BANK_REPAYMENT_POSTED_EXAMPLE],
        summary="Record a repayment received at the bank (back-dated if need be); on a "
        "charged-off loan, a recovery",
        tags=["backoffice"],
        parameters=[ID, IDEMPOTENCY_PARAMETER],
        request=BankRepaymentInputSerializer,
        responses={201: RepaymentOutputSerializer, **STAFF_PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        loan = get_object_or_404(Loan, pk=pk)
        payload = self.BankRepaymentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data

        def perform() -> Response:
            today = business_date_current()
            repayment = backoffice_repayment_record(
                loan=loan,
                amount=data["amount"],
                value_date=data.get("value_date") or today,
                idempotency_key=service_key(request, loan, "bank"),
                actor=request.user,
                business_date=today,
                external_reference=data["external_reference"],
                recovery_source=data["source"],
                source="api",
                durable=False,  # inside the idempotency record's transaction
            )
            return Response(repayment_output(repayment), status=status.HTTP_201_CREATED)

        return idempotent(request, perform)


class RepaymentReverseApi(StaffApi):
    required_permission = "loans.record_repayment"

    @extend_schema(
        operation_id="backoffice_repayment_reverse",
        examples=[REVERSE_EXAMPLE, REVERSED_EXAMPLE],
        summary="Reverse a returned or bounced repayment",
        tags=["backoffice"],
        parameters=[ID],
        request=RequiredReasonSerializer,
        responses={200: RepaymentOutputSerializer, **STAFF_PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        repayment = get_object_or_404(Repayment, pk=pk)
        payload = RequiredReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reversed_repayment = backoffice_repayment_reverse(
            repayment=repayment,
            reason=payload.validated_data["reason"],
            actor=request.user,
            business_date=business_date_current(),
            source="api",
        )
        return Response(repayment_output(reversed_repayment))


class AdjustmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    loan = serializers.IntegerField(source="loan_id")
    kind = serializers.CharField()
    amount = exact_decimal(allow_null=True)
    repayment = serializers.IntegerField(source="repayment_id", allow_null=True)
    reason = serializers.CharField()
    status = serializers.CharField()
    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True)
    decision_note = serializers.CharField(allow_blank=True)


class LoanWriteOffApi(StaffApi):
    """A write-off is maker-checker: this asks for it; another user approves it."""

    required_permission = "loans.write_off_loan"

    @extend_schema(
        operation_id="backoffice_loan_write_off",
        examples=[WRITE_OFF_EXAMPLE, WRITE_OFF_REQUESTED_EXAMPLE],
        summary="Ask for a loan's write-off (applied when another user approves it)",
        tags=["backoffice"],
        parameters=[ID],
        request=RequiredReasonSerializer,
        responses={202: AdjustmentOutputSerializer, **STAFF_PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        loan = get_object_or_404(Loan, pk=pk)
        payload = RequiredReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        adjustment = adjustment_request(
            loan=loan,
            kind=AdjustmentRequest.Kind.WRITE_OFF,
            reason=payload.validated_data["reason"],
            actor=request.user,
            business_date=business_date_current(),
            source="api",
        )
        return Response(
            AdjustmentOutputSerializer(adjustment).data, status=status.HTTP_202_ACCEPTED
        )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class AdjustmentDecisionApi(StaffApi):
    required_permission = "loans.approve_adjustmentrequest"
    decide = None

    def post(self, request: Request, pk: int) -> Response:
        adjustment = get_object_or_404(AdjustmentRequest, pk=pk)
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = type(self).decide(
            adjustment=adjustment,
            actor=request.user,
            business_date=business_date_current(),
            note=payload.validated_data["note"],
            source="api",
        )
        return Response(AdjustmentOutputSerializer(decided).data)


class AdjustmentApproveApi(AdjustmentDecisionApi):
    decide = staticmethod(adjustment_approve)

    @extend_schema(
        operation_id="backoffice_adjustment_approve",
        examples=[DECISION_NOTE_EXAMPLE, ADJUSTMENT_APPROVED_EXAMPLE],
        summary="Approve and apply another user's adjustment (maker-checker)",
        tags=["backoffice"],
        parameters=[ID],
        request=NoteSerializer,
        responses={200: AdjustmentOutputSerializer, **STAFF_PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class AdjustmentRejectApi(AdjustmentDecisionApi):
    decide = staticmethod(adjustment_reject)

    @extend_schema(
        operation_id="backoffice_adjustment_reject",
        examples=[DECISION_NOTE_EXAMPLE, ADJUSTMENT_REJECTED_EXAMPLE],
        summary="Reject another user's adjustment",
        tags=["backoffice"],
        parameters=[ID],
        request=NoteSerializer,
        responses={200: AdjustmentOutputSerializer, **STAFF_PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class CreditAssessmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    borrower = serializers.IntegerField(source="borrower_id")
    score = serializers.IntegerField()
    source = serializers.CharField()
    reference = serializers.CharField(allow_blank=True)
    reason = serializers.CharField()
    assessed_by = serializers.CharField()
    business_date = serializers.DateField()


class CreditAssessApi(StaffApi):
    """The lender's credit score of a borrower, recorded by staff: the only kind of score (with
    the decision pipeline's and a bureau's) that risk-based prices follow."""

    required_permission = "loans.assess_credit"

    class CreditAssessInputSerializer(serializers.Serializer):
        score = serializers.IntegerField(min_value=0, max_value=9999)
        reason = serializers.CharField(max_length=255)
        reference = serializers.CharField(
            max_length=64,
            required=False,
            default="",
            allow_blank=True,
            help_text="The evidence, e.g. the bureau report's number.",
        )

    @extend_schema(
        operation_id="backoffice_credit_assess",
        examples=[CREDIT_ASSESS_EXAMPLE, CREDIT_ASSESSED_EXAMPLE],
        summary="Record the lender's credit assessment of a borrower (prices their next loans)",
        tags=["backoffice"],
        parameters=[ID],
        request=CreditAssessInputSerializer,
        responses={201: CreditAssessmentOutputSerializer, **STAFF_PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        borrower = get_object_or_404(Borrower, pk=pk)
        payload = self.CreditAssessInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        assessment = backoffice_credit_assess(
            borrower=borrower,
            score=data["score"],
            reason=data["reason"],
            reference=data["reference"],
            actor=request.user,
            business_date=business_date_current(),
            source="api",
        )
        return Response(
            CreditAssessmentOutputSerializer(assessment).data, status=status.HTTP_201_CREATED
        )
