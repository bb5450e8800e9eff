"""Quote and product endpoints: anonymous, read-only in effect (a quote writes nothing). A
signed-in borrower's quote is priced on the lender's assessment of them."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import borrower_of
from core.api.serializers import ProblemSerializer
from core.api.throttles import AnonQuoteThrottle
from loans.api.examples import (
    PRODUCT_LIST_EXAMPLE,
    QUOTE_EXAMPLE,
    QUOTE_REQUEST_EXAMPLE,
)
from loans.selectors.products import product_list_active
from loans.services.quotes import QuoteInputError, quote_for_product

from .serializers import (
    ProductSerializer,
    QuoteInputSerializer,
    QuoteOutputSerializer,
)


class QuoteCreateApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonQuoteThrottle]

    @extend_schema(
        operation_id="quote_create",
        examples=[QUOTE_REQUEST_EXAMPLE, QUOTE_EXAMPLE],
        summary="Quote a product: schedule, totals, APR (IRR), rate-cap check and band table",
        tags=["quotes"],
        request=QuoteInputSerializer,
        responses={
            200: QuoteOutputSerializer,
            400: OpenApiResponse(ProblemSerializer, description="A field is invalid (problem)."),
            429: OpenApiResponse(ProblemSerializer, description="Too many quotes (problem)."),
        },
    )
    def post(self, request: Request) -> Response:
        payload = QuoteInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            result = quote_for_product(
                product_code=payload.validated_data["product"],
                principal=payload.validated_data["principal"],
                term=payload.validated_data["term"],
                start_date=payload.validated_data.get("start_date"),
                first_due_date=payload.validated_data.get("first_due_date"),
                borrower=borrower_of(request.user),
            )
        except QuoteInputError as exc:
            # Field-level problems become the same 400 problem+json as the serializer's.
            raise serializers.ValidationError(exc.errors) from exc
        return Response(QuoteOutputSerializer(result.as_dict()).data)


class ProductListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="product_list",
        examples=[PRODUCT_LIST_EXAMPLE],
        summary="Active products with their terms",
        tags=["products"],
        responses={200: ProductSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(ProductSerializer(product_list_active(), many=True).data)
