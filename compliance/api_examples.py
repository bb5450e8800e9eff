"""Examples for the OpenAPI schema of the reports: the list (its first entry) and the aging
report on 2026-03-10 with one loan 37 days past due (the shape captured from the API)."""

from drf_spectacular.utils import OpenApiExample

REPORT_LIST_EXAMPLE = OpenApiExample(
    "The aging report's entry",
    value={
        "name": "aging",
        "title": "Portfolio and delinquency aging (逾期账龄)",
        "schedule": "daily",
        "period": "day",
        "formats": ["csv", "json"],
    },
    response_only=True,
)
AGING_REPORT = {
    "report": "aging",
    "title": "Portfolio and delinquency aging (逾期账龄)",
    "as_of": "2026-03-10",
    "start": "2026-03-10",
    "product": None,
    "currency": "CNY",
    "columns": [
        {"name": "product", "kind": "text"},
        {"name": "status", "kind": "text"},
        {"name": "bucket", "kind": "text"},
        {"name": "loans", "kind": "int"},
        {"name": "principal", "kind": "money"},
        {"name": "interest", "kind": "money"},
        {"name": "fees", "kind": "money"},
        {"name": "penalty", "kind": "money"},
        {"name": "interest_suspense", "kind": "money"},
    ],
    "meta": {"state_source": "reconstructed"},
    "rows": [
        {
            "product": "cash-12",
            "status": "delinquent",
            "bucket": "31-60",
            "loans": 1,
            "principal": "12000.00",
            "interest": "226.32",
            "fees": "0.00",
            "penalty": "1.89",
            "interest_suspense": "0.00",
        }
    ],
    "totals": {
        "loans": 1,
        "principal": "12000.00",
        "interest": "226.32",
        "fees": "0.00",
        "penalty": "1.89",
        "overdue_loans": 1,
        "overdue_principal": "12000.00",
        "npl_principal": "0",
        "by_bucket": {
            "current": {"loans": 0, "principal": "0"},
            "1-30": {"loans": 0, "principal": "0"},
            "31-60": {"loans": 1, "principal": "12000.00"},
            "61-90": {"loans": 0, "principal": "0"},
            "91-180": {"loans": 0, "principal": "0"},
            "180+": {"loans": 0, "principal": "0"},
        },
        "interest_suspense": "0.00",
        "overdue_rate_by_count": "1.000000",
        "overdue_rate_by_balance": "1.000000",
        "npl_ratio": "0.000000",
    },
}
REPORT_JSON_EXAMPLE = OpenApiExample(
    "The aging report", value=AGING_REPORT, response_only=True, media_type="application/json"
)
REPORT_CSV_EXAMPLE = OpenApiExample(
    "The aging report as CSV",
    value="product,status,bucket,loans,principal,interest,fees,penalty,interest_suspense\ncash-12,delinquent,31-60,1,12000.00,226.32,0.00,1.89,0.00\n",
    response_only=True,
    media_type="text/csv",
)
