"""Examples for the OpenAPI schema of the loan endpoints: one 12-month loan of 12,000.00 at
12% a year, seen on its business date 2026-03-10 with installment 2 due and one missed."""

from drf_spectacular.utils import OpenApiExample

LOAN = {
    "id": 42,
    "reference": "LN-2026-000042",
    "status": "delinquent",
    "product": {"code": "cash-12", "name": "Cash loan"},
    "currency": "CNY",
    "principal": "12000.00",
    "annual_rate": "0.12",
    "term": 12,
    "method": "annuity",
    "frequency": "monthly",
    "upfront_fee": "0.00",
    "application_date": "2026-01-01",
    "start_date": "2026-01-01",
    "first_due_date": "2026-02-01",
    "disbursed_on": "2026-01-01",
    "maturity_date": "2027-01-01",
    "closed_on": None,
    "apr": {"nominal": "0.12", "effective": "0.126825", "cap": "0.24", "cap_rule": "CN-24"},
    "days_past_due": 37,
    "delinquency_bucket": "1-30",
    "next_installment": {
        "number": 3,
        "due_date": "2026-04-01",
        "amount": "1066.19",
        "principal": "964.26",
        "interest": "101.93",
        "fees": "0.00",
        "penalties": "0.00",
    },
    "amount_overdue": "2134.27",
    "amount_due_now": "2134.27",
    "installments_paid": 0,
    "installments_total": 12,
    "payoff_amount_today": "12186.04",
}
LOAN_DETAIL = {
    **LOAN,
    "balance": {
        "principal": "12000.00",
        "interest": "226.32",
        "fees": "0.00",
        "penalties": "1.89",
        "total": "12228.21",
        "credit": "0.00",
    },
}
INSTALLMENT = {
    "number": 1,
    "due_date": "2026-02-01",
    "period_start": "2026-01-01",
    "days_in_period": 31,
    "status": "partially_paid",
    "principal_due": "946.19",
    "interest_due": "120.00",
    "fee_due": "0.00",
    "penalty_due": "1.89",
    "total_due": "1068.08",
    "principal_paid": "0.00",
    "interest_paid": "100.00",
    "fee_paid": "0.00",
    "penalty_paid": "0.00",
    "total_paid": "100.00",
    "outstanding": "968.08",
    "paid_on": None,
}
TRANSACTION = {
    "date": "2026-02-03",
    "kind": "repayment",
    "description": "Repayment",
    "amount": "100.00",
    "direction": "payment",
    "status": "posted",
    "reference": "",
    "components": {"interest": "100.00"},
}
NEXT_PAGE = "https://api.example.com/api/v1/loans?cursor=cD00Mg%3D%3D"

LOAN_PAGE_EXAMPLE = OpenApiExample(
    "A page of loans",
    value={"next": NEXT_PAGE, "previous": None, "results": [LOAN]},
    response_only=True,
)
LOAN_DETAIL_EXAMPLE = OpenApiExample(
    "A delinquent loan", value=LOAN_DETAIL, response_only=True, status_codes=["200"]
)
SCHEDULE_EXAMPLE = OpenApiExample(
    "A partly paid first installment", value=[INSTALLMENT], response_only=True
)
TRANSACTION_PAGE_EXAMPLE = OpenApiExample(
    "A repayment",
    value={"next": None, "previous": None, "results": [TRANSACTION]},
    response_only=True,
)
APPLY_EXAMPLE = OpenApiExample(
    "Apply as quoted",
    value={"product": "cash-12", "principal": "12000.00", "term": 12, "disclosed_apr": "0.12"},
    request_only=True,
)
