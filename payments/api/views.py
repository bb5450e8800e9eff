"""Payments over the API: the gateway's callbacks, the borrower's payments and mandates, the
back office's orders, payouts and statements. Errors are problem+json (the one handler)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FileUploadParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.idempotency import IDEMPOTENCY_PARAMETER
from core.api.permissions import StaffPermission
from core.api.serializers import (
    DecimalStringField,
    OutputSerializer,
    ProblemSerializer,
    exact_decimal,
)
from core.errors import DomainError
from ledger.services import business_date_current
from loans.models import Loan
from loans.selectors.consumer import loan_for_payment_by_user, loan_ref_for_user
from loans.services.payment_limits import payment_excess_tolerance
from loans.services.payoff import loan_payoff_quote
from payments.api.examples import (
    CASH_RECONCILIATION_EXAMPLE,
    LOCAL_CALLBACK_EXAMPLE,
    MANDATE_EXAMPLE,
    MANDATE_REQUEST_EXAMPLE,
    MANDATE_REVOKED_EXAMPLE,
    ORDER_CREATED_EXAMPLE,
    ORDER_EXAMPLE,
    ORDER_LIST_EXAMPLE,
    ORDER_REQUEST_EXAMPLE,
    PAYOUT_EXAMPLE,
    PROVIDER_CALLBACK_EXAMPLE,
    STATEMENT_IMPORT_EXAMPLE,
    STATEMENT_IMPORTED_EXAMPLE,
)
from payments.errors import CallbackRefused, PaymentError
from payments.gateways import gateway_for
from payments.models import Mandate, PaymentOrder
from payments.services.mandates import mandate_grant, mandate_revoke
from payments.services.orders import (
    order_create,
    order_report_apply,
    order_reports_apply,
    order_submit,
)
from payments.services.payouts import loan_payout_start

PROBLEM = OpenApiResponse(ProblemSerializer, description="Refused (problem).")


class OrderOutputSerializer(OutputSerializer):
    reference = serializers.CharField(help_text="The pay-by reference.")
    direction = serializers.CharField()
    purpose = serializers.CharField()
    loan_id = serializers.IntegerField()
    amount = exact_decimal()
    amount_settled = exact_decimal(allow_null=True)
    currency = serializers.CharField()
    status = serializers.CharField()
    failure_reason = serializers.CharField(allow_blank=True)
    business_date = serializers.DateField()
    created_at = serializers.DateTimeField()


class MandateOutputSerializer(OutputSerializer):
    id = serializers.IntegerField()
    loan_id = serializers.IntegerField()
    account_reference = serializers.CharField()
    allow_partial = serializers.BooleanField()
    status = serializers.CharField()
    consent_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class CallbackResultSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField(
        allow_null=True, help_text="The order's status after the report; null if refused."
    )
    error = serializers.CharField(allow_null=True, help_text="Why the report was refused.")


class CallbackBatchOutputSerializer(serializers.Serializer):
    results = CallbackResultSerializer(many=True)


class GatewayCallbackApi(APIView):
    """The gateway's signed callback: 401 unless signed with our secret within the time
    window, 404 for an order we never issued; either changes nothing. A callback carrying a
    batch of reports is applied in one transaction and answered report by report (200)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="payment_gateway_callback",
        examples=[LOCAL_CALLBACK_EXAMPLE, PROVIDER_CALLBACK_EXAMPLE, ORDER_EXAMPLE],
        summary="A gateway reports an order's status, or a batch of them (signed)",
        description="The body is the gateway's own report (its wire format, one per gateway); "
        "it is read only once its signature header checks out. The local gateway may send "
        'several as `{"reports": [...]}`: the answer then lists each report\'s outcome.',
        tags=["payments"],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            200: PolymorphicProxySerializer(
                component_name="GatewayCallbackResult",
                serializers=[OrderOutputSerializer, CallbackBatchOutputSerializer],
                resource_type_field_name=None,
            ),
            401: PROBLEM,
            404: PROBLEM,
        },
    )
    def post(self, request: Request, gateway: str) -> Response:
        if gateway not in ("local", "provider"):
            raise CallbackRefused(f"No gateway {gateway!r} calls back here.")
        reports = gateway_for(gateway).callback_verify(body=request.body, headers=request.headers)
        if len(reports) == 1:
            order = order_report_apply(report=reports[0], source="callback")
            return Response(OrderOutputSerializer(order).data)
        results = order_reports_apply(reports=reports, source="callback")
        return Response(
            {
                "results": [
                    {
                        "reference": report.reference,
                        "status": None if isinstance(result, DomainError) else result.status,
                        "error": str(result) if isinstance(result, DomainError) else None,
                    }
                    for report, result in zip(reports, results, strict=True)
                ]
            }
        )


def _order_key(request: Request, loan: Loan) -> str:
    digest = hashlib.sha256(request.headers.get("Idempotency-Key", "").encode()).hexdigest()
    return f"api:{request.user.pk}:{loan.pk}:{digest[:40]}"


class LoanPaymentOrderApi(APIView):
    permission_classes = [IsAuthenticated]

    class PaymentInputSerializer(serializers.Serializer):
        amount = DecimalStringField(max_digits=20, decimal_places=2, min_value=Decimal("0.01"))

    @extend_schema(
        operation_id="loan_payment_order_create",
        examples=[ORDER_REQUEST_EXAMPLE, ORDER_CREATED_EXAMPLE],
        summary="Start a payment through the gateway: an order with a pay-by reference",
        tags=["payments"],
        parameters=[IDEMPOTENCY_PARAMETER],
        request=PaymentInputSerializer,
        responses={201: OrderOutputSerializer, 400: PROBLEM, 404: PROBLEM, 422: PROBLEM},
    )
    def post(self, request: Request, loan_id: int) -> Response:
        loan, today, open_rows = loan_for_payment_by_user(user=request.user, loan_id=loan_id)
        if not request.headers.get("Idempotency-Key"):
            raise PaymentError("An Idempotency-Key header is required.")
        payload = self.PaymentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if loan.status not in (Loan.Status.ACTIVE, Loan.Status.DELINQUENT):
            raise PaymentError(f"Loan {loan_id} takes no payment ({loan.status}).")
        today = today or business_date_current()
        quote = loan_payoff_quote(loan=loan, on=today, open_rows=open_rows)
        ceiling = quote.total + payment_excess_tolerance()
        if payload.validated_data["amount"] > ceiling:
            raise PaymentError(
                f"{payload.validated_data['amount']} is more than {ceiling}, "
                "what pays the loan off (plus the tolerance)."
            )
        order = order_create(
            loan=loan,
            direction=PaymentOrder.Direction.COLLECT,
            purpose=PaymentOrder.Purpose.REPAYMENT,
            amount=payload.validated_data["amount"],
            idempotency_key=_order_key(request, loan),
            business_date=today,
            actor=request.user.get_username(),
        )
        order = order_submit(order_id=order.pk, order=order)
        return Response(OrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)


class PaymentOrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="payment_order_detail",
        examples=[ORDER_EXAMPLE],
        summary="A payment order's status",
        tags=["payments"],
        responses={200: OrderOutputSerializer, 404: PROBLEM},
    )
    def get(self, request: Request, reference: str) -> Response:
        orders = PaymentOrder.objects.all()
        if not request.user.is_staff:
            orders = orders.filter(loan__borrower__user_id=request.user.pk)
        return Response(OrderOutputSerializer(get_object_or_404(orders, reference=reference)).data)


class LoanMandateApi(APIView):
    permission_classes = [IsAuthenticated]

    class MandateInputSerializer(serializers.Serializer):
        account_reference = serializers.CharField(max_length=64)
        consent_text = serializers.CharField()
        allow_partial = serializers.BooleanField(default=True)

    @extend_schema(
        operation_id="loan_mandate_list",
        examples=[MANDATE_EXAMPLE],
        summary="The loan's debit mandates",
        tags=["payments"],
        responses={200: MandateOutputSerializer(many=True), 404: PROBLEM},
    )
    def get(self, request: Request, loan_id: int) -> Response:
        loan = loan_ref_for_user(user=request.user, loan_id=loan_id)
        mandates = Mandate.objects.filter(loan_id=loan.pk)
        return Response(MandateOutputSerializer(mandates, many=True).data)

    @extend_schema(
        operation_id="loan_mandate_grant",
        examples=[MANDATE_REQUEST_EXAMPLE, MANDATE_EXAMPLE],
        summary="Consent to auto-debit of the loan's installments",
        tags=["payments"],
        request=MandateInputSerializer,
        responses={201: MandateOutputSerializer, 400: PROBLEM, 404: PROBLEM, 409: PROBLEM},
    )
    def post(self, request: Request, loan_id: int) -> Response:
        loan = loan_ref_for_user(user=request.user, loan_id=loan_id)
        payload = self.MandateInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        mandate = mandate_grant(loan=loan, channel="api", **payload.validated_data)
        return Response(MandateOutputSerializer(mandate).data, status=status.HTTP_201_CREATED)


class MandateRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="mandate_revoke",
        examples=[MANDATE_REVOKED_EXAMPLE],
        summary="Revoke a debit mandate (no attempt is planned after it)",
        tags=["payments"],
        request=None,
        responses={200: MandateOutputSerializer, 404: PROBLEM},
    )
    def post(self, request: Request, pk: int) -> Response:
        mandate = get_object_or_404(Mandate, pk=pk, loan__borrower__user_id=request.user.pk)
        return Response(MandateOutputSerializer(mandate_revoke(mandate=mandate)).data)


class StaffApi(APIView):
    permission_classes = [StaffPermission]
    required_permission = "payments.view_paymentorder"


class OrderFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PaymentOrder.Status.choices, required=False)
    loan = serializers.IntegerField(min_value=1, required=False)


class BackofficeOrderListApi(StaffApi):
    @extend_schema(
        operation_id="backoffice_payment_order_list",
        examples=[ORDER_LIST_EXAMPLE],
        summary="Payment orders, newest first (filter by ?status= and ?loan=)",
        tags=["payments"],
        parameters=[OrderFilterSerializer],
        responses={200: OrderOutputSerializer(many=True), 400: PROBLEM, 403: PROBLEM},
    )
    def get(self, request: Request) -> Response:
        filters = OrderFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        orders = PaymentOrder.objects.all()
        if "status" in filters.validated_data:
            orders = orders.filter(status=filters.validated_data["status"])
        if "loan" in filters.validated_data:
            orders = orders.filter(loan_id=filters.validated_data["loan"])
        return Response(OrderOutputSerializer(orders[:200], many=True).data)


class BackofficePayoutApi(StaffApi):
    required_permission = "payments.add_paymentorder"

    @extend_schema(
        operation_id="backoffice_loan_payout",
        examples=[PAYOUT_EXAMPLE],
        summary="Disburse an approved loan as a payout order (active once it succeeds)",
        tags=["payments"],
        request=None,
        responses={201: OrderOutputSerializer, 403: PROBLEM, 404: PROBLEM, 422: PROBLEM},
    )
    def post(self, request: Request, pk: int) -> Response:
        loan = get_object_or_404(Loan, pk=pk)
        order = loan_payout_start(
            loan=loan, business_date=business_date_current(), actor=request.user.get_username()
        )
        return Response(OrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)


class BankStatementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account = serializers.CharField()
    statement_id = serializers.CharField()
    format = serializers.CharField()
    statement_date = serializers.DateField()
    lines = serializers.IntegerField()
    matched = serializers.IntegerField()
    queued = serializers.IntegerField()


class BackofficeStatementApi(StaffApi):
    required_permission = "payments.add_bankstatement"
    parser_classes = [MultiPartParser, FileUploadParser]

    @extend_schema(
        operation_id="backoffice_statement_import",
        examples=[STATEMENT_IMPORT_EXAMPLE, STATEMENT_IMPORTED_EXAMPLE],
        summary="Import a bank statement (CSV or camt.053 XML) and match its lines",
        tags=["payments"],
        request={"multipart/form-data": {"type": "object", "properties": {"file": {}}}},
        responses={201: BankStatementOutputSerializer, 400: PROBLEM, 403: PROBLEM, 409: PROBLEM},
    )
    def post(self, request: Request) -> Response:
        upload = request.data.get("file")
        if upload is None:
            raise PaymentError("Upload the statement as the form field 'file'.")
        from payments.services.statements import statement_import

        result = statement_import(
            content=upload.read(),
            filename=getattr(upload, "name", "statement"),
            actor=request.user.get_username(),
        )
        return Response(BankStatementOutputSerializer(result).data, status=status.HTTP_201_CREATED)


def _exact(value):
    """Amounts as strings (never JSON floats), everywhere in the report."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    return value


class QueuedAgeSerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    amount = serializers.CharField(help_text="Decimal string.")


class CashAccountSerializer(serializers.Serializer):
    account = serializers.CharField()
    statement_id = serializers.CharField()
    statement_date = serializers.DateField(allow_null=True)
    statement_balance = serializers.CharField(allow_null=True, help_text="Decimal string.")
    ledger_balance = serializers.CharField(help_text="Decimal string.")
    difference = serializers.CharField(
        allow_null=True, help_text="Statement − ledger, a decimal string."
    )
    queued_total = serializers.CharField(help_text="Decimal string.")
    unexplained = serializers.CharField(
        allow_null=True, help_text="What the queued lines do not explain, a decimal string."
    )
    matched = serializers.IntegerField()
    queued = serializers.IntegerField()
    suspense = serializers.IntegerField()
    queued_aged = serializers.DictField(
        child=QueuedAgeSerializer(), help_text="Queued lines by age in days (e.g. 0-2, 31+)."
    )


class CashReconciliationSerializer(serializers.Serializer):
    business_date = serializers.DateField()
    clearing_account = serializers.CharField()
    accounts = CashAccountSerializer(many=True)


class BackofficeCashReconciliationApi(StaffApi):
    required_permission = "payments.view_bankstatement"

    @extend_schema(
        operation_id="backoffice_cash_reconciliation",
        examples=[CASH_RECONCILIATION_EXAMPLE],
        summary="The day's cash reconciliation: statement vs clearing balance, unmatched aged",
        tags=["payments"],
        responses={200: CashReconciliationSerializer, 403: PROBLEM},
    )
    def get(self, request: Request) -> Response:
        from payments.services.reconciliation import cash_reconciliation_report

        return Response(_exact(cash_reconciliation_report(on=business_date_current())))
