"""Examples for the OpenAPI schema of origination: Li Na applies for a credit line on
2026-01-15, is approved in band B, and draws 5,000.00 to her own account (answers captured from
the API, with the product code and identity numbers made readable)."""

from drf_spectacular.utils import OpenApiExample

APPLICATION_REQUEST_EXAMPLE = OpenApiExample(
    "Apply for a credit line",
    value={
        "product": "cash-12",
        "requested_amount": "20000.00",
        "requested_term": 12,
        "purpose": "furniture",
        "monthly_income": "12000.00",
        "name": "Li Na",
        "national_id": "110101199003070011",
        "mobile": "13900000030",
        "residence_region": "11",
        "device_id": "phone-1",
        "consents": ["credit_bureau", "data_processing"],
    },
    request_only=True,
)
APPROVED_APPLICATION = {
    "reference": "AP8D87A2A127B44DB6",
    "status": "approved",
    "kind": "credit_line",
    "product": "cash-12",
    "currency": "CNY",
    "requested_amount": "20000.00",
    "requested_term": 12,
    "business_date": "2026-01-15",
    "decision": {
        "outcome": "approve",
        "kind": "automated",
        "decided_on": "2026-01-15",
        "reasons": [],
        "offer": {
            "currency": "CNY",
            "limit": "60000.00",
            "band": "B",
            "annual_rate": "0.144",
            "rate_cap": "0.24",
            "revolving": True,
            "expires_on": "2027-01-15",
            "apr": {
                "nominal": "0.144001416395",
                "effective": "0.153896239174",
                "example_principal": "20000.00",
                "example_term": 12,
                "example_total_interest": "1594.12",
                "example_total_fee": "0.00",
                "example_total_repaid": "21594.12",
                "within_cap": True,
            },
        },
    },
    "credit_line": "CL8D87A2A127B44DB6",
}
DECLINED_APPLICATION = {
    "reference": "APB6C6AF38B1234891",
    "status": "declined",
    "kind": "credit_line",
    "product": "cash-12",
    "currency": "CNY",
    "requested_amount": "20000.00",
    "requested_term": 12,
    "business_date": "2026-01-15",
    "decision": {
        "outcome": "decline",
        "kind": "automated",
        "decided_on": "2026-01-15",
        "reasons": [{"code": "C01", "text": "A consent the application needs was not given."}],
        "offer": None,
    },
    "credit_line": None,
}
APPLICATION_APPROVED_EXAMPLE = OpenApiExample(
    "Approved with an offer",
    value=APPROVED_APPLICATION,
    response_only=True,
    status_codes=["200", "201"],
)
APPLICATION_DECLINED_EXAMPLE = OpenApiExample(
    "Declined with its reasons",
    value=DECLINED_APPLICATION,
    response_only=True,
    status_codes=["200", "201"],
)
CREDIT_LINE_EXAMPLE = OpenApiExample(
    "After a 5,000.00 drawdown",
    value={
        "reference": "CLE860D5F33420423B",
        "status": "active",
        "currency": "CNY",
        "limit": "60000.00",
        "available": "55000.00",
        "revolving": True,
        "pricing_band": "B",
        "annual_rate": "0.14400000",
        "product_types": [
            "ecommerce_installment",
            "cash_loan",
            "balance_transfer",
            "scene_education",
            "scene_car",
            "scene_medical",
        ],
        "opened_on": "2026-01-15",
        "expires_on": "2027-01-15",
    },
    response_only=True,
)
DRAWDOWN_REQUEST_EXAMPLE = OpenApiExample(
    "Cash to my own account",
    value={
        "product": "cash-12",
        "amount": "5000.00",
        "term": 6,
        "payee": {"name": "Li Na", "account_masked": "6217****1234"},
    },
    request_only=True,
)
DRAWDOWN_EXAMPLE = OpenApiExample(
    "Drawn",
    value={
        "id": 3,
        "loan_id": 3,
        "loan_reference": "LN202601151031D31063",
        "amount": "5000.00",
        "term": 6,
        "annual_rate": "0.13400000",
        "apr_nominal": "0.133996321966",
        "payee_kind": "borrower",
        "payee_name": "Li Na",
        "payee_account_masked": "6217****1234",
        "subsidised": False,
        "pricing_adjustments": [{"reason": "first_loan_discount", "change": "-0.01"}],
        "line_available": "55000.00",
    },
    response_only=True,
    status_codes=["201"],
)
APPLICATION_PAGE_EXAMPLE = OpenApiExample(
    "A decline, then an approval",
    value={
        "next": None,
        "previous": None,
        "results": [DECLINED_APPLICATION, APPROVED_APPLICATION],
    },
    response_only=True,
)
