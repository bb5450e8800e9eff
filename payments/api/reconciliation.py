"""The back office's reconciliation queue over the API, through the same services as the admin:
the statement lines left unmatched, a request to match, split or book one to suspense (the
maker), and another user's approval or rejection (the checker). Errors are problem+json."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import StaffPermission
from core.api.serializers import ProblemSerializer, exact_decimal
from payments.api.examples import (
    DECISION_NOTE_EXAMPLE,
    RECONCILIATION_APPROVED_EXAMPLE,
    RECONCILIATION_LIST_EXAMPLE,
    RECONCILIATION_REJECTED_EXAMPLE,
    RECONCILIATION_REQUEST_EXAMPLE,
    RECONCILIATION_REQUESTED_EXAMPLE,
    STATEMENT_LINE_QUEUE_EXAMPLE,
)
from payments.models import ReconciliationRequest, StatementLine
from payments.services.reconciliation import reconciliation_decide, reconciliation_request

PROBLEMS = {
    400: OpenApiResponse(ProblemSerializer, description="A field is invalid (problem)."),
    403: OpenApiResponse(ProblemSerializer, description="Missing permission, or own request."),
    404: OpenApiResponse(ProblemSerializer, description="No such object (problem)."),
    409: OpenApiResponse(ProblemSerializer, description="Decided already (problem)."),
    422: OpenApiResponse(ProblemSerializer, description="Refused by a rule (problem)."),
}
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The object's id.")
LIST_LIMIT = 500


class StatementLineOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.CharField(source="statement.account")
    statement_id = serializers.CharField(source="statement.statement_id")
    line_number = serializers.IntegerField()
    booking_date = serializers.DateField()
    amount = exact_decimal(help_text="Money in positive, money out negative.")
    reference = serializers.CharField()
    bank_reference = serializers.CharField()
    counterparty = serializers.CharField()
    status = serializers.CharField()


class LineFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=StatementLine.QUEUED,
        required=False,
        help_text="One queue (unmatched or duplicate); default: both.",
    )
    account = serializers.CharField(max_length=64, required=False)


class ReconciliationRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line = serializers.IntegerField(source="line_id")
    kind = serializers.CharField()
    order_references = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()
    status = serializers.CharField()
    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True)
    decision_note = serializers.CharField(allow_blank=True)
    entry_id = serializers.IntegerField(
        allow_null=True, help_text="The suspense entry posted, once approved."
    )


class ReconciliationRequestInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReconciliationRequest.Kind.choices)
    order_references = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        default=list,
        max_length=100,
        help_text="The order (match) or orders (split) the line is for; none for suspense.",
    )
    reason = serializers.CharField(max_length=255)


class DecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class StaffApi(APIView):
    permission_classes = [StaffPermission]


class QueuedLineListApi(StaffApi):
    required_permission = "payments.view_statementline"

    @extend_schema(
        operation_id="backoffice_statement_line_queue",
        examples=[STATEMENT_LINE_QUEUE_EXAMPLE],
        summary="Statement lines left unmatched or duplicate (the queue), oldest first",
        tags=["payments"],
        parameters=[LineFilterSerializer],
        responses={200: StatementLineOutputSerializer(many=True), **PROBLEMS},
    )
    def get(self, request: Request) -> Response:
        filters = LineFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        lines = StatementLine.objects.select_related("statement").filter(
            status__in=[wanted["status"]] if "status" in wanted else StatementLine.QUEUED
        )
        if "account" in wanted:
            lines = lines.filter(statement__account=wanted["account"])
        lines = lines.order_by("booking_date", "id")[:LIST_LIMIT]
        return Response(StatementLineOutputSerializer(lines, many=True).data)


class LineRequestApi(StaffApi):
    """The maker: propose how a queued line is resolved; nothing is applied until approved."""

    required_permission = "payments.add_reconciliationrequest"

    @extend_schema(
        operation_id="backoffice_reconciliation_request",
        examples=[RECONCILIATION_REQUEST_EXAMPLE, RECONCILIATION_REQUESTED_EXAMPLE],
        summary="Propose a match, split or suspense entry for a queued statement line",
        tags=["payments"],
        parameters=[ID],
        request=ReconciliationRequestInputSerializer,
        responses={202: ReconciliationRequestOutputSerializer, **PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        line = get_object_or_404(StatementLine, pk=pk)
        payload = ReconciliationRequestInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposed = reconciliation_request(line=line, user=request.user, **payload.validated_data)
        return Response(
            ReconciliationRequestOutputSerializer(proposed).data, status=status.HTTP_202_ACCEPTED
        )


class RequestListApi(StaffApi):
    required_permission = "payments.view_reconciliationrequest"

    @extend_schema(
        operation_id="backoffice_reconciliation_request_list",
        examples=[RECONCILIATION_LIST_EXAMPLE],
        summary="Reconciliation requests waiting for a decision, oldest first",
        tags=["payments"],
        responses={200: ReconciliationRequestOutputSerializer(many=True), **PROBLEMS},
    )
    def get(self, request: Request) -> Response:
        pending = (
            ReconciliationRequest.objects.filter(status=ReconciliationRequest.Status.PENDING)
            .select_related("requested_by", "decided_by")
            .order_by("id")[:LIST_LIMIT]
        )
        return Response(ReconciliationRequestOutputSerializer(pending, many=True).data)


class RequestDecisionApi(StaffApi):
    """The checker (not the maker): approve applies the request, reject closes it."""

    required_permission = "payments.change_reconciliationrequest"
    approve = True

    def post(self, request: Request, pk: int) -> Response:
        proposed = get_object_or_404(ReconciliationRequest, pk=pk)
        payload = DecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = reconciliation_decide(
            request=proposed,
            user=request.user,
            approve=self.approve,
            note=payload.validated_data["note"],
            source="api",
        )
        return Response(ReconciliationRequestOutputSerializer(decided).data)


class RequestApproveApi(RequestDecisionApi):
    @extend_schema(
        operation_id="backoffice_reconciliation_approve",
        examples=[DECISION_NOTE_EXAMPLE, RECONCILIATION_APPROVED_EXAMPLE],
        summary="Approve a reconciliation request (another user's): it is applied",
        tags=["payments"],
        parameters=[ID],
        request=DecisionInputSerializer,
        responses={200: ReconciliationRequestOutputSerializer, **PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class RequestRejectApi(RequestDecisionApi):
    approve = False

    @extend_schema(
        operation_id="backoffice_reconciliation_reject",
        examples=[DECISION_NOTE_EXAMPLE, RECONCILIATION_REJECTED_EXAMPLE],
        summary="Reject a reconciliation request (another user's): nothing is applied",
        tags=["payments"],
        parameters=[ID],
        request=DecisionInputSerializer,
        responses={200: ReconciliationRequestOutputSerializer, **PROBLEMS},
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)
