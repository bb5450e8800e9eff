"""Examples for the OpenAPI schema of funding: partner "trust-a" holds 80% of loan 42."""

from drf_spectacular.utils import OpenApiExample

from ..selectors.files import HEADER

SETTLEMENT_EXAMPLE = OpenApiExample(
    "One loan's installment collected",
    value={
        "funder": "trust-a",
        "business_date": "2026-02-01",
        "principal": "756.95",
        "interest": "96.00",
        "fee": "0.00",
        "penalty": "0.00",
        "recoveries": "0.00",
        "collections": "852.95",
        "other": "0.00",
        "service_fee": "4.80",
        "net_amount": "848.15",
        "loans": 1,
    },
    response_only=True,
)
FUNDER_FILE_EXAMPLE = OpenApiExample(
    "One loan",
    value=",".join(HEADER)
    + "\n42,LN-2026-000042,0.800000,9600.00,181.06,0.00,1.51,0.00,-96.00,37,special_mention,"
    "delinquent\n",
    response_only=True,
    media_type="text/csv",
)
