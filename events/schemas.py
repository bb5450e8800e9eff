"""Every event type and the JSON Schema (draft 2020-12) of its `data`.

Money is a decimal string (never a binary float), dates are ISO 8601 strings. A type's schema
lists the fields a consumer may rely on; new optional fields may appear, none disappear.
"""

from __future__ import annotations

MONEY = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
DATE = {"type": "string", "format": "date"}
ID = {"type": "integer"}
TEXT = {"type": "string"}
FLAG = {"type": "boolean"}
NULLABLE_MONEY = {"type": ["string", "null"], "pattern": r"^-?\d+(\.\d+)?$"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
SHARE = {"type": "string", "pattern": r"^\d+(\.\d+)?$"}
"""A funder's share of a loan, a decimal string (0.700000 is 70%)."""
NULLABLE_SHARE = {"type": ["string", "null"], "pattern": r"^\d+(\.\d+)?$"}


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

PROMISE_OUTCOMES = {
    "kept": "A promise to pay was kept (paid in full by its date, or the loan cured)",
    "broken": "A promise to pay was broken (its date passed short of the amount)",
    "cancelled": "A promise to pay was cancelled (its case closed without it being kept)",
}
"""How a promise to pay ends → the event (`promise.<outcome>`); `status` in the data is the
promise's exact status."""

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
    "loan.modified": _schema(
        "A loan's terms were modified (holiday, reschedule, re-age, rate change)",
        loan_id=ID,
        modification_id=ID,
        kind=TEXT,
        effective_date=DATE,
        annual_rate=MONEY,
        installment_before=NULLABLE_MONEY,
        installment_after=NULLABLE_MONEY,
        maturity_date=NULLABLE_DATE,
    ),
    "collection.contact": _schema(
        "A collection contact was attempted (allowed or blocked by the conduct guard)",
        loan_id=ID,
        case_id=ID,
        attempt_id=ID,
        channel=TEXT,
        target=TEXT,
        purpose=TEXT,
        allowed=FLAG,
        blocked_by=TEXT,
        outcome=TEXT,
    ),
    "promise.made": _schema(
        "A borrower promised to pay",
        loan_id=ID,
        case_id=ID,
        promise_id=ID,
        amount=MONEY,
        due_date=DATE,
    ),
    **{
        f"promise.{outcome}": _schema(
            title,
            loan_id=ID,
            case_id=ID,
            promise_id=ID,
            amount=MONEY,
            due_date=DATE,
            status=TEXT,
            paid_since=MONEY,
        )
        for outcome, title in PROMISE_OUTCOMES.items()
    },
    "credit_line.changed": _schema(
        "A credit line was opened, or its limit or status changed",
        credit_line_id=ID,
        reference=TEXT,
        borrower_id=ID,
        change_id=ID,
        kind=TEXT,
        old_limit=MONEY,
        limit=MONEY,
        old_status=TEXT,
        status=TEXT,
        reason=TEXT,
    ),
    "report.produced": _schema(
        "A regulatory or management report file was produced",
        report_id=ID,
        kind=TEXT,
        format=TEXT,
        as_of=DATE,
        rows=ID,
        sha256=TEXT,
        trigger=TEXT,
    ),
    "close.completed": _schema(
        "The end-of-day close finished a business date", close_run_id=ID, business_date=DATE
    ),
    "funding.share_changed": _schema(
        "A loan's funders' shares changed (an asset transfer or a guarantee buyback)",
        loan_id=ID,
        reference=TEXT,
        source=TEXT,
        seller=TEXT,
        buyer=TEXT,
        share=SHARE,
        seller_share=SHARE,
        buyer_share=SHARE,
        valid_from=DATE,
    ),
    "funding.bought_back": _schema(
        "The platform bought a guaranteed partner's share of a loan back (代偿)",
        loan_id=ID,
        reference=TEXT,
        funder=TEXT,
        share=SHARE,
        price=MONEY,
        business_date=DATE,
    ),
    "funding.transferred": _schema(
        "A funder's share of a set of loans was sold to another funder (an asset transfer)",
        transfer_id=ID,
        reference=TEXT,
        seller=TEXT,
        buyer=TEXT,
        cut_off=DATE,
        loans=ID,
        share=NULLABLE_SHARE,
        price=MONEY,
        carrying_amount=MONEY,
        gain_loss=MONEY,
    ),
    "funding.settled": _schema(
        "A funding partner was settled for a business date",
        settlement_run_id=ID,
        funder=TEXT,
        business_date=DATE,
        principal=MONEY,
        interest=MONEY,
        fee=MONEY,
        penalty=MONEY,
        recoveries=MONEY,
        other=MONEY,
        service_fee=MONEY,
        net_amount=MONEY,
        transferred=MONEY,
        settlement_day=FLAG,
    ),
}


def event_types() -> list[str]:
    return sorted(SCHEMAS)
