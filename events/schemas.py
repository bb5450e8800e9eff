"""Every event type and the JSON Schema (draft 2020-12) of its `data`.

Money is a decimal string (never a binary float), dates are ISO 8601 strings. A type's schema
lists the fields a consumer may rely on; new optional fields may appear, none disappear.
"""

from __future__ import annotations

MONEY = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
DATE = {"type": "string", "format": "date"}
ID = {"type": "integer"}
TEXT = {"type": "string"}


def _schema(title: str, **properties: dict) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "properties": properties,
        "required": sorted(properties),
    }


def _loan_state(title: str) -> dict:
    return _schema(title, loan_id=ID, reference=TEXT, from_status=TEXT, to_status=TEXT, reason=TEXT)


LOAN_TRANSITIONS = {
    "approve": "loan.approved",
    "reject": "loan.rejected",
    "cancel": "loan.cancelled",
    "activate": "loan.disbursed",
    "mark_delinquent": "loan.delinquent",
    "cure": "loan.cured",
    "pay_off": "loan.paid_off",
    "reopen": "loan.reopened",
    "charge_off": "loan.charged_off",
    "close": "loan.closed",
}
"""A loan's state-machine action → the event its transition emits."""

SCHEMAS: dict[str, dict] = {
    "loan.created": _schema(
        "A loan was signed (pending approval)",
        loan_id=ID,
        reference=TEXT,
        borrower_id=ID,
        principal=MONEY,
        currency=TEXT,
        term=ID,
        status=TEXT,
    ),
    **{
        event: _loan_state(f"Loan state change: {action.replace('_', ' ')}")
        for action, event in LOAN_TRANSITIONS.items()
    },
    "loan.non_accrual": _schema(
        "A loan stopped accruing interest to income", loan_id=ID, days_past_due=ID
    ),
    "installment.due": _schema(
        "An installment fell due",
        loan_id=ID,
        installment_id=ID,
        number=ID,
        due_date=DATE,
        principal_due=MONEY,
        interest_due=MONEY,
        fee_due=MONEY,
    ),
    "installment.overdue": _schema(
        "An installment became past due (after the grace days)",
        loan_id=ID,
        installment_id=ID,
        number=ID,
        due_date=DATE,
        days_past_due=ID,
    ),
    "repayment.posted": _schema(
        "A repayment (or recovery, refund) was applied",
        loan_id=ID,
        repayment_id=ID,
        kind=TEXT,
        amount=MONEY,
        value_date=DATE,
        idempotency_key=TEXT,
    ),
    "repayment.reversed": _schema(
        "A repayment was reversed",
        loan_id=ID,
        repayment_id=ID,
        kind=TEXT,
        amount=MONEY,
        value_date=DATE,
        reason=TEXT,
    ),
    "collection.contact": _schema(
        "A collection contact was attempted",
        loan_id=ID,
        attempt_id=ID,
        channel=TEXT,
        outcome=TEXT,
    ),
    "promise.made": _schema(
        "A borrower promised to pay", loan_id=ID, promise_id=ID, amount=MONEY, due_date=DATE
    ),
    "promise.kept": _schema("A promise to pay was kept", loan_id=ID, promise_id=ID, status=TEXT),
    "promise.broken": _schema(
        "A promise to pay was broken", loan_id=ID, promise_id=ID, status=TEXT
    ),
    "credit_line.changed": _schema(
        "A credit line's limit or status changed",
        credit_line_id=ID,
        borrower_id=ID,
        limit=MONEY,
        status=TEXT,
    ),
    "report.produced": _schema("A regulatory report was produced", report_id=ID, kind=TEXT),
    "close.completed": _schema(
        "The end-of-day close finished a business date", close_run_id=ID, business_date=DATE
    ),
}


def event_types() -> list[str]:
    return sorted(SCHEMAS)
