"""Serializers of the quote and product endpoints.

Decimals render as JSON strings exactly as the calculation core produced them (amounts in the
currency's minor unit, rates to 12 places), never as binary floats. The quote's output serializer
is also what the ``quote`` command prints with ``--json``, so both show the same document.
"""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calc.jurisdictions import apr_method_for
from calc.schedules import MAX_TERM
from core.api.serializers import DecimalStringField, RateField, RefusedFieldsMixin, exact_decimal

CREDIT_SCORE_REFUSED = (
    "Not accepted: the price follows the lender's own credit assessment of the borrower, "
    "never a score sent with the request."
)


class QuoteInputSerializer(RefusedFieldsMixin, serializers.Serializer):
    refused_fields = {"credit_score": CREDIT_SCORE_REFUSED}

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
    installment_rounding = serializers.CharField(
        help_text="cent, whole_unit or multiple:N, optionally :up, :half_up or :down"
    )
    level_convention = serializers.CharField(help_text="last_absorbs or rounded_once")
    bullet_interest = serializers.CharField(help_text="simple or compound_monthly")


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
    nominal = exact_decimal(
        help_text="The APR: periodic IRR × periods a year (us_reg_z, cn_irr) or the APRC X "
        "itself (eu_aprc, uk_aprc); 0.1203 = 12.03%"
    )
    effective = exact_decimal(help_text="The effective annual rate")
    method = serializers.CharField(
        help_text="The jurisdiction's APR method: us_reg_z, cn_irr, eu_aprc or uk_aprc"
    )
    disclosed_percent = exact_decimal(
        help_text="The APR in percent as the method discloses it (EU/UK: one decimal place)"
    )


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


class BandAprSerializer(serializers.Serializer):
    nominal = exact_decimal()
    effective = exact_decimal()


class BandPriceSerializer(PricingBandSerializer):
    apr = BandAprSerializer(help_text="The APR this band gives for the amount and term quoted.")


class QuoteOutputSerializer(serializers.Serializer):
    product = ProductRefSerializer(allow_null=True)
    currency = serializers.CharField()
    pricing_band = PricingBandSerializer(
        allow_null=True,
        help_text="The band priced: the lender's assessment of the signed-in borrower's "
        "credit; without one, the worst band.",
    )
    bands = BandPriceSerializer(many=True, help_text="Every band of the product, with its APR.")
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
    installment_rounding = serializers.CharField()
    level_convention = serializers.CharField()
    bullet_interest = serializers.CharField()
    apr_method = serializers.SerializerMethodField(
        help_text="The jurisdiction's APR method (us_reg_z, cn_irr, eu_aprc, uk_aprc)"
    )

    def get_apr_method(self, product) -> str:
        return apr_method_for(product.jurisdiction).value

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
