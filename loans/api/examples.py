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
    "A partly paid first installment",
    # One row: drf-spectacular lists a list response's example itself.
    value=INSTALLMENT,
    response_only=True,
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

# The same loan before it was signed off, as the apply and back-office answers show it.
PENDING_LOAN = {
    **LOAN,
    "status": "pending",
    "disbursed_on": None,
    "days_past_due": 0,
    "delinquency_bucket": "current",
    "next_installment": None,
    "amount_overdue": "0.00",
    "amount_due_now": "0.00",
    "payoff_amount_today": None,
}
ACTIVE_LOAN = {
    **LOAN,
    "status": "active",
    "days_past_due": 0,
    "delinquency_bucket": "current",
    "next_installment": {
        "number": 1,
        "due_date": "2026-02-01",
        "amount": "1066.19",
        "principal": "946.19",
        "interest": "120.00",
        "fees": "0.00",
        "penalties": "0.00",
    },
    "amount_overdue": "0.00",
    "amount_due_now": "0.00",
    "payoff_amount_today": "12000.00",
}
REPAYMENT = {
    "id": 311,
    "kind": "repayment",
    "status": "posted",
    "amount": "1066.19",
    "currency": "CNY",
    "value_date": "2026-02-01",
    "channel": "api",
    "source": "borrower",
    "external_reference": "",
    "prepayment_mode": "",
    "allocated": {"interest": "120.00", "principal": "946.19"},
    "overpayment": "0.00",
    "loan_status": "active",
}
ADJUSTMENT = {
    "id": 17,
    "loan": 42,
    "kind": "write_off",
    "amount": None,
    "repayment": None,
    "reason": "Borrower deceased; estate has no assets.",
    "status": "pending",
    "requested_by": "li.wei",
    "decided_by": None,
    "decision_note": "",
}
MODIFICATION_ROWS_BEFORE = [
    {
        "number": 3,
        "due_date": "2026-04-01",
        "principal": "964.26",
        "interest": "101.93",
        "fee": "0.00",
        "total": "1066.19",
    }
]
MODIFICATION_ROWS_AFTER = [
    {
        "number": 3,
        "due_date": "2026-05-01",
        "principal": "964.26",
        "interest": "101.93",
        "fee": "0.00",
        "total": "1066.19",
    }
]

APPLIED_EXAMPLE = OpenApiExample(
    "A pending loan with its APR disclosure",
    value=PENDING_LOAN,
    response_only=True,
    status_codes=["201"],
)
APPROVE_EXAMPLE = OpenApiExample(
    "Approve", value={"reason": "Income verified by payslip."}, request_only=True
)
APPROVED_EXAMPLE = OpenApiExample(
    "The loan approved", value={**PENDING_LOAN, "status": "approved"}, response_only=True
)
REJECT_EXAMPLE = OpenApiExample(
    "Reject", value={"reason": "Identity document could not be verified."}, request_only=True
)
REJECTED_EXAMPLE = OpenApiExample(
    "The loan rejected", value={**PENDING_LOAN, "status": "rejected"}, response_only=True
)
DISBURSE_EXAMPLE = OpenApiExample(
    "Pay out", value={"reason": "Contract signed on 2026-01-01."}, request_only=True
)
DISBURSED_EXAMPLE = OpenApiExample(
    "The loan paid out and active", value=ACTIVE_LOAN, response_only=True
)
BANK_REPAYMENT_EXAMPLE = OpenApiExample(
    "A bank transfer",
    value={
        "amount": "1066.19",
        "value_date": "2026-02-01",
        "external_reference": "BOC-20260201-0042",
        "source": "borrower",
    },
    request_only=True,
)
BANK_REPAYMENT_POSTED_EXAMPLE = OpenApiExample(
    "Posted",
    value={**REPAYMENT, "channel": "bank", "external_reference": "BOC-20260201-0042"},
    response_only=True,
)
REVERSE_EXAMPLE = OpenApiExample(
    "Reverse", value={"reason": "The bank returned the transfer."}, request_only=True
)
REVERSED_EXAMPLE = OpenApiExample(
    "Reversed",
    value={**REPAYMENT, "status": "reversed", "allocated": {}},
    response_only=True,
)
WRITE_OFF_EXAMPLE = OpenApiExample(
    "Ask for a write-off", value={"reason": ADJUSTMENT["reason"]}, request_only=True
)
WRITE_OFF_REQUESTED_EXAMPLE = OpenApiExample(
    "Awaiting a second user's approval",
    value=ADJUSTMENT,
    response_only=True,
    status_codes=["202"],
)
DECISION_NOTE_EXAMPLE = OpenApiExample(
    "With a note", value={"note": "Checked the estate letter."}, request_only=True
)
ADJUSTMENT_APPROVED_EXAMPLE = OpenApiExample(
    "Approved and applied",
    value={
        **ADJUSTMENT,
        "status": "applied",
        "decided_by": "zhang.min",
        "decision_note": "Checked the estate letter.",
    },
    response_only=True,
)
ADJUSTMENT_REJECTED_EXAMPLE = OpenApiExample(
    "Rejected",
    value={
        **ADJUSTMENT,
        "status": "rejected",
        "decided_by": "zhang.min",
        "decision_note": "Checked the estate letter.",
    },
    response_only=True,
)
CREDIT_ASSESS_EXAMPLE = OpenApiExample(
    "A bureau score",
    value={"score": 712, "reason": "Bureau report of 2026-01-02.", "reference": "PBOC-88231"},
    request_only=True,
)
CREDIT_ASSESSED_EXAMPLE = OpenApiExample(
    "Recorded",
    value={
        "id": 5,
        "borrower": 7,
        "score": 712,
        "source": "manual",
        "reference": "PBOC-88231",
        "reason": "Bureau report of 2026-01-02.",
        "assessed_by": "li.wei",
        "business_date": "2026-01-02",
    },
    response_only=True,
)
REPAY_EXAMPLE = OpenApiExample(
    "Pay the installment due",
    value={"amount": "1066.19", "external_reference": "app-7f3a"},
    request_only=True,
)
REPAID_EXAMPLE = OpenApiExample(
    "Posted",
    value={**REPAYMENT, "external_reference": "app-7f3a"},
    response_only=True,
)
PREPAY_EXAMPLE = OpenApiExample(
    "Prepay and keep the installment lower",
    value={"amount": "3000.00", "mode": "lower_installment"},
    request_only=True,
)
PREPAID_EXAMPLE = OpenApiExample(
    "Posted",
    value={
        **REPAYMENT,
        "kind": "prepayment",
        "amount": "3000.00",
        "prepayment_mode": "lower_installment",
        "allocated": {"interest": "12.00", "principal": "2988.00"},
    },
    response_only=True,
)
PAYOFF_QUOTE_EXAMPLE = OpenApiExample(
    "Payoff on 2026-01-15",
    value={
        "on": "2026-01-15",
        "currency": "CNY",
        "principal": "12000.00",
        "interest": "56.00",
        "fees": "0.00",
        "penalties": "0.00",
        "total": "12056.00",
    },
    response_only=True,
)
REFUND_REQUEST = {
    "id": 3,
    "amount": "25.00",
    "status": "pending",
    "business_date": "2026-02-03",
    "decision_note": "",
}
REFUND_LIST_EXAMPLE = OpenApiExample(
    "One pending request",
    value={"available": "0.00", "results": [REFUND_REQUEST]},
    response_only=True,
)
REFUND_ASK_EXAMPLE = OpenApiExample(
    "Ask for the overpayment back", value={"amount": "25.00"}, request_only=True
)
REFUND_ASKED_EXAMPLE = OpenApiExample("Pending", value=REFUND_REQUEST, response_only=True)
MODIFICATION_HOLIDAY_EXAMPLE = OpenApiExample(
    "A one-month payment holiday",
    value={"kind": "payment_holiday", "installments": 1, "reason": "Hospital stay."},
    request_only=True,
)
MODIFICATION_RESCHEDULE_EXAMPLE = OpenApiExample(
    "A longer term",
    value={"kind": "reschedule", "term": 18},
    request_only=True,
)
MODIFICATION_QUOTE_EXAMPLE = OpenApiExample(
    "The holiday moves installment 3 a month on",
    value={
        "kind": "payment_holiday",
        "effective_date": "2026-03-10",
        "annual_rate": "0.12",
        "apr_before": "0.12",
        "apr_after": "0.12",
        "installment_before": "1066.19",
        "installment_after": "1066.19",
        "schedule_before": MODIFICATION_ROWS_BEFORE,
        "schedule_after": MODIFICATION_ROWS_AFTER,
    },
    response_only=True,
)
MODIFICATION_REQUESTED_EXAMPLE = OpenApiExample(
    "Requested",
    value={
        "id": 9,
        "kind": "payment_holiday",
        "status": "requested",
        "effective_date": "2026-03-10",
        "installment_before": "1066.19",
        "installment_after": "1066.19",
        "schedule_after": MODIFICATION_ROWS_AFTER,
    },
    response_only=True,
    status_codes=["201"],
)
TOKEN_REQUEST_EXAMPLE = OpenApiExample(
    "Sign in",
    value={"username": "li.na", "password": "correct-horse-battery"},
    request_only=True,
)
TOKEN_EXAMPLE = OpenApiExample(
    "A token",
    value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
    response_only=True,
)
FIRST_INSTALLMENT_DUE = {
    **INSTALLMENT,
    "status": "pending",
    "penalty_due": "0.00",
    "total_due": "1066.19",
    "interest_paid": "0.00",
    "total_paid": "0.00",
    "outstanding": "1066.19",
}
STATEMENT_EXAMPLE = OpenApiExample(
    "January 2026",
    value={
        "loan": {
            "id": 42,
            "reference": "LN-2026-000042",
            "status": "active",
            "currency": "CNY",
            "principal": "12000.00",
            "product": "Cash loan",
            "borrower": "L** N*",
        },
        "month": "2026-01",
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "as_of": "2026-01-31",
        "opening": {
            "principal": "0.00",
            "interest": "0.00",
            "fees": "0.00",
            "penalties": "0.00",
            "total": "0.00",
            "credit": "0.00",
        },
        "closing": {
            "principal": "12000.00",
            "interest": "116.13",
            "fees": "0.00",
            "penalties": "0.00",
            "total": "12116.13",
            "credit": "0.00",
        },
        "installments": [],
        "transactions": [
            {
                "date": "2026-01-01",
                "kind": "disbursement",
                "description": "Loan paid out",
                "amount": "12000.00",
                "direction": "payout",
                "status": "posted",
                "reference": "LN-2026-000042",
                "components": {"principal": "12000.00"},
            }
        ],
        "charged": "0.00",
        "paid": "0.00",
        "next_installment": FIRST_INSTALLMENT_DUE,
    },
    response_only=True,
    media_type="application/json",
)

QUOTE_REQUEST_EXAMPLE = OpenApiExample(
    "3,000.00 over 3 months",
    value={"product": "cash-12", "principal": "3000.00", "term": 3, "start_date": "2026-01-01"},
    request_only=True,
)
# As the API answered this request on a 12% product (captured, not composed).
QUOTE_EXAMPLE = OpenApiExample(
    "The quote",
    value={
        "product": {"code": "cash-12", "name": "Cash loan", "currency": "CNY"},
        "currency": "CNY",
        "pricing_band": None,
        "bands": [],
        "terms": {
            "principal": "3000.00",
            "annual_rate": "0.12",
            "term": 3,
            "start_date": "2026-01-01",
            "method": "equal_installment",
            "frequency": "monthly",
            "first_due_date": None,
            "due_day": None,
            "day_count": "act/360",
            "rounding": "half_up",
            "minor_unit": "0.01",
            "fee_rate": "0",
            "fee_base": None,
            "upfront_fee": "0.00",
            "upfront_fee_rate": "0",
            "calendar": None,
            "shift_rule": "none",
            "installment_rounding": "cent",
            "level_convention": "last_absorbs",
            "bullet_interest": "simple",
        },
        "level_amount": "1020.07",
        "net_disbursement": "3000.00",
        "installments": [
            {
                "number": 1,
                "due_date": "2026-02-01",
                "contractual_due_date": "2026-02-01",
                "period_start": "2026-01-01",
                "days_in_period": 31,
                "principal": "990.07",
                "interest": "30.00",
                "fee": "0.00",
                "total": "1020.07",
                "remaining_principal": "2009.93",
            },
            {
                "number": 2,
                "due_date": "2026-03-01",
                "contractual_due_date": "2026-03-01",
                "period_start": "2026-02-01",
                "days_in_period": 28,
                "principal": "999.97",
                "interest": "20.10",
                "fee": "0.00",
                "total": "1020.07",
                "remaining_principal": "1009.96",
            },
            {
                "number": 3,
                "due_date": "2026-04-01",
                "contractual_due_date": "2026-04-01",
                "period_start": "2026-03-01",
                "days_in_period": 31,
                "principal": "1009.96",
                "interest": "10.10",
                "fee": "0.00",
                "total": "1020.06",
                "remaining_principal": "0.00",
            },
        ],
        "totals": {
            "principal": "3000.00",
            "interest": "60.20",
            "fee": "0.00",
            "total": "3060.20",
            "upfront_fee": "0.00",
        },
        "apr": {
            "nominal": "0.120002177601",
            "effective": "0.126827459615",
            "method": "cn_irr",
            "disclosed_percent": "12.00",
        },
        "rate_cap": {
            "jurisdiction": "CN",
            "cap": "0.24",
            "rule": "CN-licensed-24",
            "within_cap": True,
            "apr": "0.120002177601",
            "on_date": "2026-01-01",
        },
    },
    response_only=True,
)
PRODUCT_LIST_EXAMPLE = OpenApiExample(
    "One product",
    value={
        "code": "cash-12",
        "name": "Cash loan",
        "description": "Unsecured cash loan, 3 to 12 months.",
        "product_type": "cash_loan",
        "currency": "CNY",
        "jurisdiction": "CN",
        "method": "equal_installment",
        "frequency": "monthly",
        "day_count": "act/360",
        "annual_rate": "0.12",
        "pricing_bands": [],
        "fee_rate": "0",
        "upfront_fee_amount": "0.00",
        "upfront_fee_rate": "0",
        "min_amount": "1000.00",
        "max_amount": "50000.00",
        "min_term": 3,
        "max_term": 12,
        "terms": [3, 6, 12],
        "penalty_rate": "0.18",
        "grace_days": 0,
        "installment_rounding": "cent",
        "level_convention": "last_absorbs",
        "bullet_interest": "simple",
        "apr_method": "cn_irr",
    },
    response_only=True,
)
