"""Examples for the OpenAPI schema of payments: Li Na's loan 42 pays 1,066.19 through the
gateway on 2026-02-01; the bank statement of that day carries it and one line nobody claims."""

from drf_spectacular.utils import OpenApiExample

ORDER = {
    "reference": "PO4F2A9C1E77B03D12",
    "direction": "collect",
    "purpose": "repayment",
    "loan_id": 42,
    "amount": "1066.19",
    "amount_settled": None,
    "currency": "CNY",
    "status": "submitted",
    "failure_reason": "",
    "business_date": "2026-02-01",
    "created_at": "2026-02-01T09:14:03.512000+08:00",
}
SETTLED_ORDER = {**ORDER, "amount_settled": "1066.19", "status": "succeeded"}
PAYOUT = {
    **ORDER,
    "reference": "PO0B7D31A95C2E6F40",
    "direction": "payout",
    "purpose": "disbursement",
    "amount": "12000.00",
    "business_date": "2026-01-01",
    "created_at": "2026-01-01T10:02:41.007000+08:00",
}
MANDATE = {
    "id": 8,
    "loan_id": 42,
    "account_reference": "6217****1234",
    "allow_partial": False,
    "status": "active",
    "consent_at": "2026-01-01T10:05:12.300000+08:00",
    "revoked_at": None,
}
STATEMENT_LINE = {
    "id": 77,
    "account": "6217000010001234567",
    "statement_id": "STMT-2026-02-01",
    "line_number": 2,
    "booking_date": "2026-02-01",
    "amount": "500.00",
    "reference": "",
    "bank_reference": "BOC2026020100017",
    "counterparty": "Wang Fang",
    "status": "unmatched",
}
RECONCILIATION_REQUEST = {
    "id": 4,
    "line": 77,
    "kind": "match",
    "order_references": ["PO4F2A9C1E77B03D12"],
    "reason": "The payer named the loan in the transfer note.",
    "status": "pending",
    "requested_by": "li.wei",
    "decided_by": None,
    "decision_note": "",
    "entry_id": None,
}

ORDER_REQUEST_EXAMPLE = OpenApiExample(
    "Pay the installment due", value={"amount": "1066.19"}, request_only=True
)
ORDER_CREATED_EXAMPLE = OpenApiExample(
    "Submitted to the gateway", value=ORDER, response_only=True, status_codes=["201"]
)
ORDER_EXAMPLE = OpenApiExample("Settled", value=SETTLED_ORDER, response_only=True)
ORDER_LIST_EXAMPLE = OpenApiExample("A settled order", value=SETTLED_ORDER, response_only=True)
PAYOUT_EXAMPLE = OpenApiExample(
    "The payout sent", value=PAYOUT, response_only=True, status_codes=["201"]
)
MANDATE_REQUEST_EXAMPLE = OpenApiExample(
    "Debit my card for each installment",
    value={
        "account_reference": "6217****1234",
        "consent_text": "I authorise the lender to debit each installment of loan "
        "LN-2026-000042 from this account on its due date.",
        "allow_partial": False,
    },
    request_only=True,
)
MANDATE_EXAMPLE = OpenApiExample("Active", value=MANDATE, response_only=True)
MANDATE_REVOKED_EXAMPLE = OpenApiExample(
    "Revoked",
    value={**MANDATE, "status": "revoked", "revoked_at": "2026-03-02T18:40:00+08:00"},
    response_only=True,
)
STATEMENT_IMPORT_EXAMPLE = OpenApiExample(
    "A CSV statement",
    value={"file": "statement-2026-02-01.csv"},
    request_only=True,
    media_type="multipart/form-data",
)
STATEMENT_IMPORTED_EXAMPLE = OpenApiExample(
    "Two lines, one matched",
    value={
        "id": 12,
        "account": "6217000010001234567",
        "statement_id": "STMT-2026-02-01",
        "format": "csv",
        "statement_date": "2026-02-01",
        "lines": 2,
        "matched": 1,
        "queued": 1,
    },
    response_only=True,
    status_codes=["201"],
)
CASH_RECONCILIATION_EXAMPLE = OpenApiExample(
    "One line unexplained",
    value={
        "business_date": "2026-02-02",
        "clearing_account": "1002",
        "accounts": [
            {
                "account": "6217000010001234567",
                "statement_id": "STMT-2026-02-01",
                "statement_date": "2026-02-01",
                "statement_balance": "1566.19",
                "ledger_balance": "1066.19",
                "difference": "500.00",
                "queued_total": "500.00",
                "unexplained": "0.00",
                "matched": 1,
                "queued": 1,
                "suspense": 0,
                "queued_aged": {"0-1": {"lines": 1, "amount": "500.00"}},
            }
        ],
    },
    response_only=True,
)
STATEMENT_LINE_QUEUE_EXAMPLE = OpenApiExample(
    "A line nobody claims", value=STATEMENT_LINE, response_only=True
)
RECONCILIATION_REQUEST_EXAMPLE = OpenApiExample(
    "Match to an order",
    value={
        "kind": "match",
        "order_references": ["PO4F2A9C1E77B03D12"],
        "reason": RECONCILIATION_REQUEST["reason"],
    },
    request_only=True,
)
RECONCILIATION_REQUESTED_EXAMPLE = OpenApiExample(
    "Awaiting a second user's approval",
    value=RECONCILIATION_REQUEST,
    response_only=True,
    status_codes=["202"],
)
RECONCILIATION_LIST_EXAMPLE = OpenApiExample(
    "One pending request", value=RECONCILIATION_REQUEST, response_only=True
)
DECISION_NOTE_EXAMPLE = OpenApiExample(
    "With a note", value={"note": "Transfer note checked."}, request_only=True
)
RECONCILIATION_APPROVED_EXAMPLE = OpenApiExample(
    "Approved and applied",
    value={
        **RECONCILIATION_REQUEST,
        "status": "applied",
        "decided_by": "zhang.min",
        "decision_note": "Transfer note checked.",
    },
    response_only=True,
)
RECONCILIATION_REJECTED_EXAMPLE = OpenApiExample(
    "Rejected",
    value={
        **RECONCILIATION_REQUEST,
        "status": "rejected",
        "decided_by": "zhang.min",
        "decision_note": "The note names another loan.",
    },
    response_only=True,
)
LOCAL_CALLBACK_EXAMPLE = OpenApiExample(
    "The local gateway: succeeded",
    summary="POST .../callbacks/local, signed in the Gateway-Signature header",
    value={
        "reference": ORDER["reference"],
        "status": "succeeded",
        "gateway_id": "lg_7c1e0f",
        "amount_settled": "1066.19",
        "reason": "",
    },
    request_only=True,
)
PROVIDER_CALLBACK_EXAMPLE = OpenApiExample(
    "The provider: SUCCESS",
    summary="POST .../callbacks/provider, signed in the Provider-Signature header; the amount "
    "in the currency's minor unit",
    value={
        "out_trade_no": ORDER["reference"],
        "trade_state": "SUCCESS",
        "transaction_id": "4200002026020112345678",
        "total_fee": 106619,
        "fee_type": "CNY",
    },
    request_only=True,
)
