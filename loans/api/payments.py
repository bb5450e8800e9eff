"""The borrower pays: repayments, prepayments (partial or payoff) and the payoff quote.

Both POSTs require an ``Idempotency-Key`` (see ``idempotency``): a retried request never pays
twice, and concurrent duplicates post once.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from calc.schedules import RescheduleMode
from core.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from core.api.serializers import DecimalStringField, ProblemSerializer, exact_decimal
from core.audit import AuditContext
from ledger.services import business_date_current
from loans.api.examples import (
    PAYOFF_QUOTE_EXAMPLE,
    PREPAID_EXAMPLE,
    PREPAY_EXAMPLE,
    REPAID_EXAMPLE,
    REPAY_EXAMPLE,
)
from loans.errors import LoanStateError
from loans.models import Allocation, Loan, Repayment
from loans.selectors.consumer import loan_get_for_user, loan_ref_for_user
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from loans.services.prepayments import loan_prepay
from loans.services.repayments import loan_repay

from .loans import BAD_REQUEST, LOAN_ID, NOT_FOUND, UNAUTHENTICATED, money

APP_CHANNEL = "app"
MONEY_PROBLEMS = {
    400: BAD_REQUEST,
    401: UNAUTHENTICATED,
    404: NOT_FOUND,
    409: OpenApiResponse(ProblemSerializer, description="The loan takes no payment (problem)."),
    422: OpenApiResponse(
        ProblemSerializer, description="A rule refused it, or the key was reused (problem)."
    ),
    429: OpenApiResponse(ProblemSerializer, description="Too many payments (problem)."),
}


class RepaymentThrottle(UserRateThrottle):
    """Payments per user (``repayment`` rate), read on every request so overrides apply."""

    scope = "repayment"

    def get_rate(self) -> str:
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class RepaymentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    amount = exact_decimal()
    currency = serializers.CharField()
    value_date = serializers.DateField()
    channel = serializers.CharField()
    source = serializers.CharField(
        allow_blank=True, help_text="A recovery's collector (borrower, collections, agency, sale)."
    )
    external_reference = serializers.CharField(allow_blank=True)
    prepayment_mode = serializers.CharField(allow_blank=True)
    allocated = serializers.DictField(
        child=money(), help_text="Applied per component (principal, interest, fee, …)."
    )
    overpayment = money(help_text="Held for the borrower beyond what was owed.")
    loan_status = serializers.CharField(help_text="The loan's status after the payment.")


def repayment_output(repayment: Repayment) -> dict:
    """The repayment as the borrower reads it; its allocations and the loan's status after it
    come in one query."""
    allocated: dict[str, Decimal] = {}
    loan_status = None
    for component, after, amount in (
        Allocation.objects.filter(repayment_id=repayment.pk, active=True)
        .values_list("component", "repayment__loan__status")
        .annotate(amount=Sum("amount"))
    ):
        allocated[component] = amount
        loan_status = after
    if loan_status is None:  # nothing allocated (all overpayment, or reversed)
        loan_status = Loan.objects.values_list("status", flat=True).get(pk=repayment.loan_id)
    repayment.allocated = allocated
    repayment.loan_status = loan_status
    return RepaymentOutputSerializer(repayment).data


def service_key(request: Request, loan: Loan, kind: str) -> str:
    """The lifecycle service's own idempotency key (at most 100 characters), derived from the
    client's key so the repayment row also refuses a second posting."""
    digest = hashlib.sha256(request.headers["Idempotency-Key"].encode()).hexdigest()[:40]
    return f"api:{request.user.pk}:{loan.pk}:{kind}:{digest}"


class LoanRepaymentApi(APIView):
    permission_classes = [IsAuthenticated]  # per-loan: the selector scopes to the borrower
    throttle_classes = [RepaymentThrottle]

    class RepaymentInputSerializer(serializers.Serializer):
        amount = DecimalStringField(
            max_digits=20, decimal_places=2, min_value=Decimal("0.01"), help_text='"1000.00"'
        )
        external_reference = serializers.CharField(
            max_length=64,
            required=False,
            allow_blank=True,
            default="",
            help_text="The payment's reference.",
        )

    @extend_schema(
        operation_id="loan_repayment_create",
        examples=[REPAY_EXAMPLE, REPAID_EXAMPLE],
        summary="Repay: allocated to overdue installments first, then the current one "
        "(on a charged-off loan: a recovery)",
        tags=["payments"],
        parameters=[LOAN_ID, IDEMPOTENCY_PARAMETER],
        request=RepaymentInputSerializer,
        responses={201: RepaymentOutputSerializer, **MONEY_PROBLEMS},
    )
    def post(self, request: Request, loan_id: int) -> Response:
        loan = loan_ref_for_user(user=request.user, loan_id=loan_id)
        payload = self.RepaymentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data

        def perform() -> Response:
            today = business_date_current()
            repayment = loan_repay(
                loan=loan,
                amount=data["amount"],
                value_date=today,
                business_date=today,
                idempotency_key=service_key(request, loan, "repayment"),
                channel=APP_CHANNEL,
                external_reference=data["external_reference"],
                actor=request.user.get_username(),
                limited=True,
                audit=AuditContext(user=request.user, source="api"),
                durable=False,  # inside the idempotency record's transaction
            )
            return Response(repayment_output(repayment), status=status.HTTP_201_CREATED)

        return idempotent(request, perform)


class LoanPrepaymentApi(APIView):
    permission_classes = [IsAuthenticated]  # per-loan: the selector scopes to the borrower
    throttle_classes = [RepaymentThrottle]

    class PrepaymentInputSerializer(serializers.Serializer):
        amount = DecimalStringField(
            max_digits=20, decimal_places=2, min_value=Decimal("0.01"), help_text='"5000.00"'
        )
        payoff = serializers.BooleanField(
            default=False,
            help_text="Pay the loan off: the amount must be at least today's payoff quote.",
        )
        mode = serializers.ChoiceField(
            choices=[mode.value for mode in RescheduleMode],
            required=False,
            allow_null=True,
            help_text="Partial prepayment: shorten the term or lower the installment "
            "(default: the product's).",
        )
        external_reference = serializers.CharField(
            max_length=64, required=False, allow_blank=True, default=""
        )

    @extend_schema(
        operation_id="loan_prepayment_create",
        examples=[PREPAY_EXAMPLE, PREPAID_EXAMPLE],
        summary="Prepay: part of the principal ahead (shorter term or lower installment), "
        "or pay off",
        tags=["payments"],
        parameters=[LOAN_ID, IDEMPOTENCY_PARAMETER],
        request=PrepaymentInputSerializer,
        responses={201: RepaymentOutputSerializer, **MONEY_PROBLEMS},
    )
    def post(self, request: Request, loan_id: int) -> Response:
        loan = loan_ref_for_user(user=request.user, loan_id=loan_id)
        payload = self.PrepaymentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data

        def perform() -> Response:
            today = business_date_current()
            common = {
                "loan": loan,
                "amount": data["amount"],
                "value_date": today,
                "business_date": today,
                "channel": APP_CHANNEL,
                "external_reference": data["external_reference"],
                "actor": request.user.get_username(),
                "limited": True,
                "audit": AuditContext(user=request.user, source="api"),
                "durable": False,  # inside the idempotency record's transaction
            }
            if data["payoff"]:
                repayment = loan_pay_off(
                    **common, idempotency_key=service_key(request, loan, "payoff")
                )
            else:
                repayment = loan_prepay(
                    **common,
                    idempotency_key=service_key(request, loan, "prepayment"),
                    mode=data.get("mode"),
                )
            return Response(repayment_output(repayment), status=status.HTTP_201_CREATED)

        return idempotent(request, perform)


class PayoffQuoteOutputSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="The date the amount pays the loan off.")
    currency = serializers.CharField()
    principal = money()
    interest = money()
    fees = money()
    penalties = money()
    total = money(help_text="Paying exactly this on that date settles the loan.")


class LoanPayoffQuoteApi(APIView):
    permission_classes = [IsAuthenticated]  # per-loan: the selector scopes to the borrower

    class PayoffQuoteQuerySerializer(serializers.Serializer):
        date = serializers.DateField(required=False, help_text="Default: today's business date.")

    @extend_schema(
        operation_id="loan_payoff_quote",
        examples=[PAYOFF_QUOTE_EXAMPLE],
        summary="What pays the loan off on a date, exact to the cent",
        tags=["payments"],
        parameters=[LOAN_ID, OpenApiParameter("date", str, description="YYYY-MM-DD")],
        responses={
            200: PayoffQuoteOutputSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
            409: OpenApiResponse(ProblemSerializer, description="Loan not open (problem)."),
        },
    )
    def get(self, request: Request, loan_id: int) -> Response:
        loan = loan_get_for_user(user=request.user, loan_id=loan_id)
        params = self.PayoffQuoteQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        on = params.validated_data.get("date") or business_date_current()
        if not loan.is_open:
            raise LoanStateError(_("This loan is not being repaid: there is nothing to pay off."))
        if on < loan.disbursed_on:
            raise serializers.ValidationError(
                {"date": [_("The date is before the loan was paid out.")]}
            )
        quote = loan_payoff_quote(loan=loan, on=on)
        return Response(
            PayoffQuoteOutputSerializer({**quote.as_dict(), "currency": loan.currency}).data
        )
