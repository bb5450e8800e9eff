"""The borrower's loans: list, apply from a quote, one loan, its schedule and its transactions.

Every view reads through ``loans.selectors.consumer``, which starts from the signed-in user:
another borrower's loan id is a 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.etag import conditional_response
from core.api.pagination import LoanCursorPagination, SequenceCursorPagination, page_serializer
from core.api.permissions import IsBorrower, borrower_of
from core.api.serializers import (
    DecimalStringField,
    OutputSerializer,
    ProblemSerializer,
    RefusedFieldsMixin,
    exact_decimal,
)
from ledger.services import business_date_current
from loans.models import Loan
from loans.selectors.consumer import (
    loan_balance_summary,
    loan_detail_for_user,
    loan_get_for_user,
    loan_list_filter,
    loan_list_for_user,
    loan_schedule_for_user,
    loan_transactions,
    transactions_between,
)
from loans.services.applications import loan_apply
from loans.services.loan_position import loan_position, loans_with_schedule

from .examples import (
    APPLIED_EXAMPLE,
    APPLY_EXAMPLE,
    LOAN_DETAIL_EXAMPLE,
    LOAN_PAGE_EXAMPLE,
    SCHEDULE_EXAMPLE,
    TRANSACTION_PAGE_EXAMPLE,
)
from .serializers import CREDIT_SCORE_REFUSED

NOT_FOUND = OpenApiResponse(ProblemSerializer, description="No such loan of yours (problem).")
UNAUTHENTICATED = OpenApiResponse(ProblemSerializer, description="Not signed in (problem).")
NOT_BORROWER = OpenApiResponse(ProblemSerializer, description="Not a borrower (problem).")
BAD_REQUEST = OpenApiResponse(ProblemSerializer, description="A field is invalid (problem).")
CURSOR_PARAMETERS = [
    OpenApiParameter("cursor", str, description="The `next` or `previous` link's cursor."),
    OpenApiParameter("page_size", int, description="Items per page (at most 100)."),
]
LOAN_ID = OpenApiParameter("loan_id", int, OpenApiParameter.PATH, description="The loan's id.")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description="The `ETag` of a copy you hold: 304 without a body while it is current.",
)
NOT_MODIFIED = OpenApiResponse(description="Not modified: your copy (its `ETag`) is current.")


def money(**options) -> serializers.DecimalField:
    """An amount as a string with its two decimals ("0.00", not "0")."""
    return serializers.DecimalField(max_digits=20, decimal_places=2, **options)


class LoanProductSerializer(OutputSerializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AprDisclosureSerializer(OutputSerializer):
    nominal = exact_decimal(source="apr_nominal", help_text="APR by the IRR method (0.12 = 12%)")
    effective = exact_decimal(source="apr_effective")
    cap = exact_decimal(source="apr_cap", allow_null=True)
    cap_rule = serializers.CharField(source="apr_cap_rule")


class BalanceSerializer(OutputSerializer):
    principal = money()
    interest = money()
    fees = money()
    penalties = money()
    total = money()
    credit = money(help_text="Paid beyond what was owed, held for the borrower.")


class NextInstallmentSerializer(OutputSerializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    amount = money(help_text="Still owed on it: principal + interest + fees + penalties.")
    principal = money()
    interest = money()
    fees = money()
    penalties = money()


class LoanOutputSerializer(OutputSerializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    product = LoanProductSerializer()
    currency = serializers.CharField()
    principal = exact_decimal()
    annual_rate = exact_decimal()
    term = serializers.IntegerField()
    method = serializers.CharField()
    frequency = serializers.CharField()
    upfront_fee = exact_decimal()
    application_date = serializers.DateField()
    start_date = serializers.DateField()
    first_due_date = serializers.DateField(allow_null=True)
    disbursed_on = serializers.DateField(allow_null=True)
    maturity_date = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)
    apr = AprDisclosureSerializer(source="*")
    days_past_due = serializers.IntegerField(source="position.days_past_due")
    delinquency_bucket = serializers.CharField()
    next_installment = NextInstallmentSerializer(
        source="position.next_installment",
        allow_null=True,
        help_text="The first unpaid installment due today or later (null when none is left).",
    )
    amount_overdue = money(
        source="position.amount_overdue", help_text="Owed on installments due before today."
    )
    amount_due_now = money(
        source="position.amount_due_now",
        help_text="What makes the loan current today: overdue plus what falls due today.",
    )
    installments_paid = serializers.IntegerField(source="position.installments_paid")
    installments_total = serializers.IntegerField(source="position.installments_total")
    payoff_amount_today = money(
        source="position.payoff_amount_today",
        allow_null=True,
        help_text="What settles the loan today (the payoff quote's total); null unless the "
        "loan is active or delinquent.",
    )


class LoanDetailOutputSerializer(LoanOutputSerializer):
    balance = BalanceSerializer(help_text="What is owed now, by component.")


class InstallmentOutputSerializer(OutputSerializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    period_start = serializers.DateField()
    days_in_period = serializers.IntegerField()
    status = serializers.CharField()
    principal_due = exact_decimal()
    interest_due = exact_decimal()
    fee_due = exact_decimal()
    penalty_due = exact_decimal()
    total_due = exact_decimal()
    principal_paid = exact_decimal()
    interest_paid = exact_decimal()
    fee_paid = exact_decimal()
    penalty_paid = exact_decimal()
    total_paid = exact_decimal()
    outstanding = exact_decimal()
    paid_on = serializers.DateField(allow_null=True)


class TransactionOutputSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(
        choices=[
            "disbursement",
            "upfront_fee",
            "installment_due",
            "penalty",
            "repayment",
            "prepayment",
            "payoff",
            "cooling_off",
            "refund",
            "reversal",
            "waiver",
            "write_off",
        ]
    )
    description = serializers.CharField()
    amount = money()
    direction = serializers.ChoiceField(choices=["charge", "payment", "credit", "payout"])
    status = serializers.CharField()
    reference = serializers.CharField(allow_blank=True)
    components = serializers.DictField(child=money())


class DateRangeFilterSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="On or after this date.")
    date_to = serializers.DateField(required=False, help_text="On or before this date.")

    def validate(self, attrs):
        if (
            attrs.get("date_from")
            and attrs.get("date_to")
            and attrs["date_from"] > attrs["date_to"]
        ):
            raise serializers.ValidationError({"date_to": [_("It is before the start date.")]})
        return attrs


class LoanListFilterSerializer(serializers.Serializer):
    status = serializers.ListField(
        child=serializers.ChoiceField(Loan.Status.values),
        required=False,
        help_text="Only loans in these statuses.",
    )
    applied_from = serializers.DateField(required=False, help_text="Applied on or after.")
    applied_to = serializers.DateField(required=False, help_text="Applied on or before.")

    def validate(self, attrs):
        start, end = attrs.get("applied_from"), attrs.get("applied_to")
        if start and end and start > end:
            raise serializers.ValidationError({"applied_to": [_("It is before the start date.")]})
        return attrs


LoanPageSerializer = page_serializer(LoanOutputSerializer, "LoanPage")
TransactionPageSerializer = page_serializer(TransactionOutputSerializer, "TransactionPage")


class LoanListApi(APIView):
    """``GET`` the borrower's loans; ``POST`` applies for a new one from a quote."""

    permission_classes = [IsBorrower]

    class ApplyInputSerializer(RefusedFieldsMixin, serializers.Serializer):
        refused_fields = {"credit_score": CREDIT_SCORE_REFUSED}

        product = serializers.SlugField(max_length=40, help_text="The product's code.")
        principal = DecimalStringField(
            max_digits=20, decimal_places=2, help_text='As quoted, e.g. "12000.00"'
        )
        term = serializers.IntegerField(min_value=1, max_value=600, help_text="periods")
        start_date = serializers.DateField(
            required=False, allow_null=True, help_text="Default: the business date."
        )
        first_due_date = serializers.DateField(required=False, allow_null=True)
        disclosed_apr = DecimalStringField(
            max_digits=20,
            decimal_places=12,
            required=False,
            help_text="The nominal APR the borrower was shown in the quote (`apr.nominal`); "
            "if the price changed since, the application is refused (422).",
        )

    @extend_schema(
        operation_id="loan_list",
        summary="My loans, newest first",
        description="Filter by `status` (repeat it for several) and by the application date "
        "(`applied_from`, `applied_to`, both included).",
        tags=["loans"],
        parameters=[*CURSOR_PARAMETERS, LoanListFilterSerializer],
        examples=[LOAN_PAGE_EXAMPLE],
        responses={
            200: LoanPageSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: NOT_BORROWER,
        },
    )
    def get(self, request: Request) -> Response:
        filters = LoanListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        loans = loans_with_schedule(
            loan_list_filter(loan_list_for_user(user=request.user), **filters.validated_data)
        )
        paginator = LoanCursorPagination()
        page = paginator.paginate_queryset(loans, request, self)
        today = business_date_current()
        for loan in page:
            loan.position = loan_position(loan=loan, business_date=today)
        return paginator.get_paginated_response(LoanOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="loan_apply",
        summary="Apply for a loan from a quote: a pending loan with its APR disclosure",
        description="Priced on the lender's credit assessment of the borrower (without one: "
        "the worst band); a `credit_score` in the request is refused (400).",
        tags=["loans"],
        request=ApplyInputSerializer,
        examples=[APPLY_EXAMPLE, APPLIED_EXAMPLE],
        responses={
            201: LoanOutputSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            403: NOT_BORROWER,
            422: OpenApiResponse(ProblemSerializer, description="Refused by a rule (problem)."),
        },
    )
    def post(self, request: Request) -> Response:
        payload = self.ApplyInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        loan = loan_apply(
            borrower=borrower_of(request.user),
            product_code=data["product"],
            principal=data["principal"],
            term=data["term"],
            business_date=business_date_current(),
            actor=request.user.get_username(),
            start_date=data.get("start_date"),
            first_due_date=data.get("first_due_date"),
            disclosed_apr=data.get("disclosed_apr"),
        )
        loan.position = loan_position(loan=loan, business_date=business_date_current())
        return Response(LoanOutputSerializer(loan).data, status=status.HTTP_201_CREATED)


class LoanDetailApi(APIView):
    # The selector filters by the signed-in user's borrower: a user who is not one has no loan
    # to find (404), and no query is spent on checking it first.
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="loan_detail",
        summary="One of my loans, with what is owed now and what is due next",
        description="Carries an `ETag`: send it back as `If-None-Match` for a 304 while the "
        "loan is unchanged.",
        tags=["loans"],
        parameters=[LOAN_ID, IF_NONE_MATCH],
        examples=[LOAN_DETAIL_EXAMPLE],
        responses={
            200: LoanDetailOutputSerializer,
            304: NOT_MODIFIED,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, loan_id: int) -> Response:
        loan = loan_detail_for_user(user=request.user, loan_id=loan_id)
        loan.balance = loan_balance_summary(loan=loan)
        today = loan.business_date_now or business_date_current()
        loan.position = loan_position(loan=loan, business_date=today)
        return conditional_response(request, LoanDetailOutputSerializer(loan).data)


class LoanScheduleApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="loan_schedule",
        summary="The loan's repayment schedule: due, paid and outstanding per installment",
        tags=["loans"],
        description="Carries an `ETag`: send it back as `If-None-Match` for a 304 while the "
        "schedule is unchanged.",
        parameters=[LOAN_ID, IF_NONE_MATCH],
        examples=[SCHEDULE_EXAMPLE],
        responses={
            200: InstallmentOutputSerializer(many=True),
            304: NOT_MODIFIED,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, loan_id: int) -> Response:
        rows = loan_schedule_for_user(user=request.user, loan_id=loan_id)
        return conditional_response(request, InstallmentOutputSerializer(rows, many=True).data)


class LoanTransactionsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="loan_transactions",
        summary="What happened on the loan, as the borrower sees it (not journal lines)",
        tags=["loans"],
        description="Filter by date (`date_from`, `date_to`, both included).",
        parameters=[LOAN_ID, *CURSOR_PARAMETERS, DateRangeFilterSerializer],
        examples=[TRANSACTION_PAGE_EXAMPLE],
        responses={
            200: TransactionPageSerializer,
            400: BAD_REQUEST,
            401: UNAUTHENTICATED,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, loan_id: int) -> Response:
        filters = DateRangeFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        loan = loan_get_for_user(user=request.user, loan_id=loan_id)
        rows = transactions_between(
            loan_transactions(loan=loan, as_of=business_date_current()), **filters.validated_data
        )
        paginator = SequenceCursorPagination()
        page = paginator.paginate_sequence(rows, request, self)
        return paginator.get_paginated_response(TransactionOutputSerializer(page, many=True).data)
