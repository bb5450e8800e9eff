"""Serializers of the quote and product endpoints.

Decimals render as JSON strings exactly as the calculation core produced them (amounts in the
currency's minor unit, rates to 12 places), never as binary floats. The quote's output serializer
is also what the ``quote`` command prints with ``--json``, so both show the same document.
"""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calc.schedules import MAX_TERM
from core.api.serializers import DecimalStringField, RateField, exact_decimal


class QuoteInputSerializer(serializers.Serializer):
    product = serializers.SlugField(max_length=40, help_text="The product's code.")
    principal = DecimalStringField(
        max_digits=20, decimal_places=2, min_value=Decimal("0.01"), help_text='e.g. "12000.00"'
    )
    term = serializers.IntegerField(min_value=1, max_value=MAX_TERM, help_text="periods")
    start_date = serializers.DateField(
        required=False, allow_null=True, help_text="Disbursement date; default: the business date."
    )
    first_due_date = serializers.DateField(
        required=False, allow_null=True, help_text="Makes an odd first period; default: regular."
    )
    credit_score = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=9999, help_text="Risk pricing."
    )


class QuoteTermsSerializer(serializers.Serializer):
    principal = exact_decimal()
    annual_rate = RateField()
    term = serializers.IntegerField()
    start_date = serializers.DateField()
    method = serializers.CharField()
    frequency = serializers.CharField()
    first_due_date = serializers.DateField(allow_null=True)
    due_day = serializers.IntegerField(allow_null=True)
    day_count = serializers.CharField()
    rounding = serializers.CharField()
    minor_unit = exact_decimal()
    fee_rate = RateField()
    fee_base = exact_decimal(allow_null=True)
    upfront_fee = exact_decimal()
    upfront_fee_rate = RateField()
    calendar = serializers.CharField(allow_null=True)
    shift_rule = serializers.CharField()


class InstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    contractual_due_date = serializers.DateField()
    period_start = serializers.DateField()
    days_in_period = serializers.IntegerField()
    principal = exact_decimal()
    interest = exact_decimal()
    fee = exact_decimal()
    total = exact_decimal()
    remaining_principal = exact_decimal()


class TotalsSerializer(serializers.Serializer):
    principal = exact_decimal()
    interest = exact_decimal()
    fee = exact_decimal()
    total = exact_decimal()
    upfront_fee = exact_decimal()


class AprSerializer(serializers.Serializer):
    nominal = exact_decimal(help_text="periodic IRR × periods a year (0.1203 = 12.03%)")
    effective = exact_decimal(help_text="(1 + periodic IRR)^periods − 1")
    method = serializers.CharField()


class RateCapSerializer(serializers.Serializer):
    jurisdiction = serializers.CharField()
    cap = RateField()
    rule = serializers.CharField()
    within_cap = serializers.BooleanField()
    apr = exact_decimal()
    on_date = serializers.DateField(help_text="The date whose cap applies (the start date).")


class ProductRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    currency = serializers.CharField()


class PricingBandSerializer(serializers.Serializer):
    name = serializers.CharField()
    min_score = serializers.IntegerField(allow_null=True)
    annual_rate = RateField()
    capped = serializers.BooleanField(help_text="The band's rate was above the cap: priced at it.")


class QuoteOutputSerializer(serializers.Serializer):
    product = ProductRefSerializer(allow_null=True)
    currency = serializers.CharField()
    credit_score = serializers.IntegerField(allow_null=True)
    pricing_band = PricingBandSerializer(allow_null=True)
    terms = QuoteTermsSerializer()
    level_amount = exact_decimal(allow_null=True)
    net_disbursement = exact_decimal()
    installments = InstallmentSerializer(many=True)
    totals = TotalsSerializer()
    apr = AprSerializer()
    rate_cap = RateCapSerializer(allow_null=True)


class ProductBandSerializer(serializers.Serializer):
    name = serializers.CharField()
    min_score = serializers.IntegerField(allow_null=True, help_text="null: every lower score")
    annual_rate = serializers.CharField(help_text='e.g. "0.12"')


class ProductSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    product_type = serializers.CharField()
    currency = serializers.CharField()
    jurisdiction = serializers.CharField()
    method = serializers.CharField()
    frequency = serializers.CharField()
    day_count = serializers.CharField()
    annual_rate = RateField()
    pricing_bands = serializers.SerializerMethodField()
    fee_rate = RateField()
    upfront_fee_amount = exact_decimal()
    upfront_fee_rate = RateField()
    min_amount = exact_decimal()
    max_amount = exact_decimal()
    min_term = serializers.IntegerField()
    max_term = serializers.IntegerField()
    terms = serializers.ListField(
        child=serializers.IntegerField(), source="terms_in_range", help_text="Every term offered."
    )
    penalty_rate = RateField()
    grace_days = serializers.IntegerField()

    @extend_schema_field(ProductBandSerializer(many=True))
    def get_pricing_bands(self, product) -> list[dict[str, object]]:
        return [
            {
                "name": band.get("name", ""),
                "min_score": band.get("min_score"),
                "annual_rate": str(band["annual_rate"]),
            }
            for band in product.pricing_bands
        ]
