"""Origination for the borrower: apply (decided at once), see an application's status and
reasons, see my credit lines, and draw down (idempotent: ``Idempotency-Key`` required).

Reads go through ``origination.selectors``: another borrower's application or line is a
404. Writes call the services of ``origination.services``; domain errors become problem+json.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from core.api.pagination import LoanCursorPagination, page_serializer
from core.api.permissions import IsBorrower, borrower_of
from core.api.serializers import DecimalStringField, ProblemSerializer, exact_decimal
from core.audit import AuditContext
from ledger.services import business_date_current
from loans.api.loans import CURSOR_PARAMETERS
from loans.models import Consent, Product
from origination.api.examples import (
    APPLICATION_APPROVED_EXAMPLE,
    APPLICATION_DECLINED_EXAMPLE,
    APPLICATION_PAGE_EXAMPLE,
    APPLICATION_REQUEST_EXAMPLE,
    CREDIT_LINE_EXAMPLE,
    DRAWDOWN_EXAMPLE,
    DRAWDOWN_REQUEST_EXAMPLE,
)
from origination.models import Drawdown, LoanApplication, Merchant
from origination.selectors import (
    application_get_for_user,
    application_latest_decision,
    applications_for_user,
    credit_line_get_for_user,
    credit_lines_for_user,
)
from origination.services.applications import ApplicantData, application_decide, application_submit
from origination.services.credit_lines import credit_line_available, credit_lines_available
from origination.services.decisions import decision_reasons
from origination.services.drawdowns import DrawdownRequest, Payee, PledgedPolicy, drawdown_create

PROBLEMS = {
    400: OpenApiResponse(ProblemSerializer, description="A field is invalid (problem)."),
    401: OpenApiResponse(ProblemSerializer, description="Not signed in (problem)."),
    403: OpenApiResponse(ProblemSerializer, description="Not a borrower (problem)."),
    404: OpenApiResponse(ProblemSerializer, description="No such one of yours (problem)."),
}
WRITE_PROBLEMS = {
    **PROBLEMS,
    409: OpenApiResponse(ProblemSerializer, description="The line cannot be drawn (problem)."),
    422: OpenApiResponse(ProblemSerializer, description="A rule refused it (problem)."),
}
REFERENCE = OpenApiParameter("reference", str, OpenApiParameter.PATH)


def amount_field(**options) -> DecimalStringField:
    return DecimalStringField(max_digits=20, decimal_places=2, min_value=Decimal("0.01"), **options)


class DecisionReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class AprExampleSerializer(serializers.Serializer):
    nominal = serializers.CharField(help_text="APR by the IRR method (0.12 = 12%)")
    effective = serializers.CharField()
    example_principal = serializers.CharField()
    example_term = serializers.IntegerField()
    example_total_interest = serializers.CharField()
    example_total_fee = serializers.CharField()
    example_total_repaid = serializers.CharField()
    within_cap = serializers.BooleanField()


class OfferSerializer(serializers.Serializer):
    currency = serializers.CharField()
    limit = serializers.CharField()
    band = serializers.CharField()
    annual_rate = serializers.CharField()
    rate_cap = serializers.CharField()
    revolving = serializers.BooleanField()
    expires_on = serializers.CharField()
    apr = AprExampleSerializer()


class DecisionSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    kind = serializers.CharField()
    decided_on = serializers.DateField(source="business_date")
    reasons = DecisionReasonSerializer(many=True)
    offer = OfferSerializer(allow_null=True)


class ApplicationOutputSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    kind = serializers.CharField()
    product = serializers.CharField(source="product.code")
    currency = serializers.CharField()
    requested_amount = exact_decimal()
    requested_term = serializers.IntegerField()
    business_date = serializers.DateField()
    decision = DecisionSerializer(allow_null=True)
    credit_line = serializers.CharField(allow_null=True)


def application_output(application: LoanApplication) -> dict:
    prefetched = getattr(application, "decisions_newest", None)
    if prefetched is not None:
        decision = prefetched[0] if prefetched else None
    else:
        decision = application_latest_decision(application=application)
    line = getattr(application, "line", None) if application.status == "approved" else None
    application.decision = None
    if decision is not None:
        decision.reasons = decision_reasons(decision=decision)
        offer = decision.offer if decision.outcome != "decline" else None
        decision.offer = offer or None
        application.decision = decision
    application.credit_line = None if line is None else line.reference
    return ApplicationOutputSerializer(application).data


class DeclaredPolicySerializer(serializers.Serializer):
    """The insurance policy a policy loan would be secured by, as declared."""

    insurer = serializers.CharField(max_length=120)
    policy_number = serializers.CharField(max_length=64)
    cash_value = amount_field()


class PayeeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    account_masked = serializers.CharField(max_length=40, help_text="e.g. 6217****1234")


class PledgeSerializer(DeclaredPolicySerializer):
    valued_on = serializers.DateField()


class ApplicationPagination(LoanCursorPagination):
    """Newest applications first (by id, like loans)."""


class ApplicationsApi(APIView):
    permission_classes = [IsBorrower]

    class ApplicationInputSerializer(serializers.Serializer):
        product = serializers.SlugField(help_text="The product's code.")
        kind = serializers.ChoiceField(
            LoanApplication.Kind.values, default=LoanApplication.Kind.CREDIT_LINE
        )
        requested_amount = amount_field()
        requested_term = serializers.IntegerField(min_value=1, max_value=360)
        purpose = serializers.CharField(max_length=64)
        monthly_income = DecimalStringField(max_digits=20, decimal_places=2, min_value=Decimal("0"))
        name = serializers.CharField(max_length=120)
        national_id = serializers.CharField(max_length=32)
        mobile = serializers.CharField(max_length=20)
        residence_country = serializers.CharField(max_length=2, default="CN")
        residence_region = serializers.CharField(
            max_length=8, required=False, allow_blank=True, default=""
        )
        device_id = serializers.CharField(
            max_length=128, required=False, allow_blank=True, default=""
        )
        consents = serializers.ListField(
            child=serializers.ChoiceField(Consent.Purpose.values), allow_empty=True
        )
        collateral = DeclaredPolicySerializer(required=False)

    @extend_schema(
        operation_id="application_create",
        examples=[
            APPLICATION_REQUEST_EXAMPLE,
            APPLICATION_APPROVED_EXAMPLE,
            APPLICATION_DECLINED_EXAMPLE,
        ],
        summary="Apply for a credit line or a one-off loan; decided at once",
        tags=["origination"],
        request=ApplicationInputSerializer,
        responses={201: ApplicationOutputSerializer, **WRITE_PROBLEMS},
    )
    def post(self, request: Request) -> Response:
        payload = self.ApplicationInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        product = get_object_or_404(Product, code=data["product"], is_active=True)
        today = business_date_current()
        application = application_submit(
            borrower=borrower_of(request.user),
            product=product,
            kind=data["kind"],
            requested_amount=data["requested_amount"],
            requested_term=data["requested_term"],
            purpose=data["purpose"],
            applicant=ApplicantData(
                name=data["name"],
                national_id=data["national_id"],
                mobile=data["mobile"],
                monthly_income=data["monthly_income"],
                residence_country=data["residence_country"],
                residence_region=data["residence_region"],
                device_id=data["device_id"],
                ip_address=request.META.get("REMOTE_ADDR"),
                channel="app",
            ),
            consents=data["consents"],
            collateral=data.get("collateral"),
            business_date=today,
            # When it arrived, for the velocity checks (not a business date).
            submitted_at=timezone.now(),
        )
        application_decide(application=application, business_date=today, actor="api")
        return Response(application_output(application), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="application_list",
        examples=[APPLICATION_PAGE_EXAMPLE],
        summary="My applications, newest first, each with its decision and reasons",
        tags=["origination"],
        parameters=CURSOR_PARAMETERS,
        responses={
            200: page_serializer(ApplicationOutputSerializer, "ApplicationPage"),
            **{code: PROBLEMS[code] for code in (400, 401, 403)},
        },
    )
    def get(self, request: Request) -> Response:
        paginator = ApplicationPagination()
        page = paginator.paginate_queryset(applications_for_user(user=request.user), request, self)
        return paginator.get_paginated_response([application_output(row) for row in page])


class ApplicationDetailApi(APIView):
    permission_classes = [IsBorrower]

    @extend_schema(
        operation_id="application_detail",
        examples=[APPLICATION_APPROVED_EXAMPLE, APPLICATION_DECLINED_EXAMPLE],
        summary="An application's status, decision, reasons and offer",
        tags=["origination"],
        parameters=[REFERENCE],
        responses={200: ApplicationOutputSerializer, **PROBLEMS},
    )
    def get(self, request: Request, reference: str) -> Response:
        application = application_get_for_user(user=request.user, reference=reference)
        return Response(application_output(application))


class CreditLineSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    currency = serializers.CharField()
    limit = exact_decimal()
    available = exact_decimal(help_text="Limit less principal owed on the line's loans.")
    revolving = serializers.BooleanField()
    pricing_band = serializers.CharField()
    annual_rate = exact_decimal()
    product_types = serializers.ListField(
        child=serializers.CharField(), source="allowed_product_types"
    )
    opened_on = serializers.DateField()
    expires_on = serializers.DateField()


class CreditLineListApi(APIView):
    permission_classes = [IsBorrower]

    @extend_schema(
        operation_id="credit_line_list",
        examples=[CREDIT_LINE_EXAMPLE],
        summary="My credit lines, with the amount available now",
        tags=["origination"],
        responses={200: CreditLineSerializer(many=True), **PROBLEMS},
    )
    def get(self, request: Request) -> Response:
        lines = list(credit_lines_for_user(user=request.user))
        available = credit_lines_available(lines)
        for line in lines:
            line.available = available[line.id] if line.status != "closed" else Decimal("0.00")
        return Response(CreditLineSerializer(lines, many=True).data)


class DrawdownOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    loan_id = serializers.IntegerField()
    loan_reference = serializers.CharField(source="loan.reference")
    amount = exact_decimal()
    term = serializers.IntegerField(source="loan.term")
    annual_rate = exact_decimal(source="loan.annual_rate")
    apr_nominal = exact_decimal(source="loan.apr_nominal")
    payee_kind = serializers.CharField()
    payee_name = serializers.CharField()
    payee_account_masked = serializers.CharField()
    subsidised = serializers.BooleanField()
    pricing_adjustments = serializers.ListField(child=serializers.DictField())
    line_available = exact_decimal()


class DrawdownCreateApi(APIView):
    permission_classes = [IsBorrower]

    class DrawdownInputSerializer(serializers.Serializer):
        product = serializers.SlugField()
        amount = amount_field(help_text='"3000.00"')
        term = serializers.IntegerField(min_value=1, max_value=360)
        merchant = serializers.SlugField(required=False, help_text="The merchant's code.")
        payee = PayeeSerializer(required=False, help_text="Cash loans, balance transfers.")
        subsidised = serializers.BooleanField(default=False)
        order_reference = serializers.CharField(
            max_length=64, required=False, allow_blank=True, default=""
        )
        collateral = PledgeSerializer(required=False, help_text="Policy loans.")

    @extend_schema(
        operation_id="drawdown_create",
        examples=[DRAWDOWN_REQUEST_EXAMPLE, DRAWDOWN_EXAMPLE],
        summary="Draw on a credit line: the drawdown becomes an installment plan",
        tags=["origination"],
        parameters=[REFERENCE, IDEMPOTENCY_PARAMETER],
        request=DrawdownInputSerializer,
        responses={201: DrawdownOutputSerializer, **WRITE_PROBLEMS},
    )
    def post(self, request: Request, reference: str) -> Response:
        line = credit_line_get_for_user(user=request.user, reference=reference)
        payload = self.DrawdownInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        product = get_object_or_404(Product, code=data["product"], is_active=True)
        merchant = None
        if data.get("merchant"):
            merchant = get_object_or_404(Merchant, code=data["merchant"], is_active=True)
        payee = data.get("payee")
        pledge = data.get("collateral")
        drawdown_request = DrawdownRequest(
            product=product,
            amount=data["amount"],
            term=data["term"],
            merchant=merchant,
            payee=Payee(**payee) if payee else None,
            subsidised=data["subsidised"],
            order_reference=data["order_reference"],
            collateral=PledgedPolicy(**pledge) if pledge else None,
        )

        def perform() -> Response:
            drawdown = drawdown_create(
                line=line,
                request=drawdown_request,
                business_date=business_date_current(),
                actor=f"api:{request.user.pk}",
                idempotency_key=_service_key(request, line.pk),
                audit=AuditContext(user=request.user, source="api"),
                durable=False,  # inside the idempotency record's transaction
            )
            return Response(drawdown_output(drawdown), status=status.HTTP_201_CREATED)

        return idempotent(request, perform)


def _service_key(request: Request, line_id: int) -> str:
    """The drawdown's own key, derived from the client's, so the drawdown row also refuses a
    second booking whatever happens to the API's record."""
    digest = hashlib.sha256(request.headers["Idempotency-Key"].encode()).hexdigest()[:40]
    return f"api:{request.user.pk}:{line_id}:{digest}"


def drawdown_output(drawdown: Drawdown) -> dict:
    drawdown.line_available = credit_line_available(line=drawdown.line)
    return DrawdownOutputSerializer(drawdown).data
