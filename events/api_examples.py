"""Examples for the OpenAPI schema of the event stream and the webhook subscriptions: a
partner's endpoint subscribed to loan events (the envelopes captured from the API)."""

from drf_spectacular.utils import OpenApiExample

LOAN_CREATED, LOAN_APPROVED = [
    {
        "specversion": "1.0",
        "id": "63144688-6e44-448e-99be-de5c1f274377",
        "source": "/installment-ledger",
        "type": "loan.created",
        "subject": "loan/42",
        "time": "2026-01-01T02:00:00+00:00",
        "datacontenttype": "application/json",
        "sequence": 1,
        "businessdate": "2026-01-01",
        "data": {
            "term": 12,
            "status": "pending",
            "loan_id": 42,
            "currency": "CNY",
            "principal": "12000.00",
            "reference": "LN-2026-000042",
            "borrower_id": 7,
        },
    },
    {
        "specversion": "1.0",
        "id": "ce9dbb75-2b14-4370-bf74-36ca7635c17d",
        "source": "/installment-ledger",
        "type": "loan.approved",
        "subject": "loan/42",
        "time": "2026-01-01T02:00:00+00:00",
        "datacontenttype": "application/json",
        "sequence": 2,
        "businessdate": "2026-01-01",
        "data": {
            "reason": "",
            "loan_id": 42,
            "reference": "LN-2026-000042",
            "to_status": "approved",
            "from_status": "pending",
        },
    },
]
SUBSCRIPTION = {
    "id": 3,
    "name": "Partner CRM",
    "url": "https://crm.partner.example/hooks/ledger",
    "event_types": ["loan.approved", "loan.disbursed", "repayment.posted"],
    "active": True,
    "max_attempts": 8,
    "rotating": False,
    "secret_hint": "…9f3b",
    "pending": 0,
    "dead": 1,
    "created_at": "2026-01-01T09:00:00+08:00",
}
SECRET = "whsec_4c1d0e8a7b6f45e2a1c39d8e2b7f9f3b"

EVENT_PAGE_EXAMPLE = OpenApiExample(
    "Two events and the cursor to ask after",
    value={"events": [LOAN_CREATED, LOAN_APPROVED], "cursor": "106088-2"},
    response_only=True,
)
SUBSCRIPTION_PAGE_EXAMPLE = OpenApiExample(
    "One subscription",
    value={"next": None, "previous": None, "results": [SUBSCRIPTION]},
    response_only=True,
)
SUBSCRIPTION_CREATE_EXAMPLE = OpenApiExample(
    "Loan events to a partner",
    value={
        "name": SUBSCRIPTION["name"],
        "url": SUBSCRIPTION["url"],
        "event_types": SUBSCRIPTION["event_types"],
        "max_attempts": 8,
        "with_history": False,
    },
    request_only=True,
)
SUBSCRIPTION_CREATED_EXAMPLE = OpenApiExample(
    "Created, with its secret shown once",
    value={**SUBSCRIPTION, "dead": 0, "secret": SECRET},
    response_only=True,
    status_codes=["201"],
)
SUBSCRIPTION_EXAMPLE = OpenApiExample("A subscription", value=SUBSCRIPTION, response_only=True)
SUBSCRIPTION_UPDATE_EXAMPLE = OpenApiExample(
    "Add an event type",
    value={"event_types": [*SUBSCRIPTION["event_types"], "loan.paid_off"]},
    request_only=True,
)
SUBSCRIPTION_UPDATED_EXAMPLE = OpenApiExample(
    "Updated",
    value={**SUBSCRIPTION, "event_types": [*SUBSCRIPTION["event_types"], "loan.paid_off"]},
    response_only=True,
)
SUBSCRIPTION_DEACTIVATED_EXAMPLE = OpenApiExample(
    "Deactivated", value={**SUBSCRIPTION, "active": False}, response_only=True
)
SUBSCRIPTION_ROTATING_EXAMPLE = OpenApiExample(
    "Signing with the new and the old secret",
    value={
        **SUBSCRIPTION,
        "rotating": True,
        "secret_hint": "…77a0",
        "secret": SECRET[:-4] + "77a0",
    },
    response_only=True,
)
SUBSCRIPTION_ROTATION_ENDED_EXAMPLE = OpenApiExample(
    "Signing with the new secret only",
    value={**SUBSCRIPTION, "secret_hint": "…77a0"},
    response_only=True,
)
REDRIVE_EXAMPLE = OpenApiExample(
    "One delivery re-driven", value={"redriven": 1}, response_only=True
)
DEAD_LETTER_PAGE_EXAMPLE = OpenApiExample(
    "A delivery that gave up",
    value={
        "next": None,
        "previous": None,
        "results": [
            {
                "id": 901,
                "subject": "loan/42",
                "sequence": 2,
                "attempts": 8,
                "last_error": "HTTP 503 from https://crm.partner.example/hooks/ledger",
                "next_attempt_at": "2026-01-02T09:00:00+08:00",
                "event": LOAN_APPROVED,
            }
        ],
    },
    response_only=True,
)
