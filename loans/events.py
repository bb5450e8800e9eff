"""The events `loans` publishes (through the `events` outbox), one function per kind of change,
each called once from the service that makes the change, inside its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import connection

from events.schemas import LOAN_TRANSITIONS
from events.services import event_record, events_record_bulk, events_record_many

from .models import CloseRun, Loan, LoanModification, LoanTransition, Repayment


def subject(loan_id: int) -> str:
    return f"loan/{loan_id}"


def loan_created(loan: Loan) -> None:
    event_record(
        type="loan.created",
        subject=subject(loan.pk),
        business_date=loan.application_date,
        data={
            "loan_id": loan.pk,
            "reference": loan.reference,
            "borrower_id": loan.borrower_id,
            "principal": loan.principal,
            "currency": loan.currency,
            "term": loan.term,
            "status": loan.status,
        },
    )


def loan_transitioned(action: str, log: Sequence[LoanTransition], references: dict[int, str]):
    """One event per logged transition (all of one action), in one statement."""
    if not log:
        return
    events_record_many(
        type=LOAN_TRANSITIONS[action],
        business_date=log[0].business_date,
        rows=[
            (
                subject(row.loan_id),
                {
                    "loan_id": row.loan_id,
                    "reference": references[row.loan_id],
                    "from_status": row.from_status,
                    "to_status": row.to_status,
                    "reason": row.reason,
                },
                None,
            )
            for row in log
        ],
    )


def repayment_posted(repayment: Repayment) -> None:
    event_record(
        type="repayment.posted",
        subject=subject(repayment.loan_id),
        business_date=repayment.business_date,
        key=f"repayment.posted:{repayment.pk}",
        data={
            "loan_id": repayment.loan_id,
            "repayment_id": repayment.pk,
            "kind": repayment.kind,
            "amount": repayment.amount,
            "value_date": repayment.value_date,
            "idempotency_key": repayment.idempotency_key,
        },
    )


def repayment_reversed(repayment: Repayment, business_date: date) -> None:
    event_record(
        type="repayment.reversed",
        subject=subject(repayment.loan_id),
        business_date=business_date,
        key=f"repayment.reversed:{repayment.pk}",
        data={
            "loan_id": repayment.loan_id,
            "repayment_id": repayment.pk,
            "kind": repayment.kind,
            "amount": repayment.amount,
            "value_date": repayment.value_date,
            "reason": repayment.reversal_reason,
        },
    )


def loan_modified(modification: LoanModification, loan: Loan, business_date: date) -> None:
    event_record(
        type="loan.modified",
        subject=subject(loan.pk),
        business_date=business_date,
        key=f"loan.modified:{modification.pk}",
        data={
            "loan_id": loan.pk,
            "modification_id": modification.pk,
            "kind": modification.kind,
            "effective_date": modification.effective_date,
            "annual_rate": loan.annual_rate,
            "installment_before": modification.installment_before,
            "installment_after": modification.installment_after,
            "maturity_date": loan.maturity_date,
        },
    )


def loans_modified_by_rate_reset(
    modification_ids: Sequence[int], business_date: date, loan_bounds: tuple[int, int]
) -> int:
    """loan.modified for the rate changes the close's reset step applied today (its
    modification rows `modification_ids`, of loans with ids within `loan_bounds`), set-based:
    one INSERT … SELECT over those rows (PostgreSQL, as the reset step). Read by id from the
    ids' array, whose length the planner knows: filtered on kind and date, the rows just written
    (no statistics yet) were estimated at one, and the sequence join went quadratic (3.7 s for
    5,000 loans). The loans are read by their id range: joined on the records alone they were
    read by a scan of the whole loan table for every chunk."""
    if not modification_ids:
        return 0
    return events_record_bulk(
        type="loan.modified",
        source_sql=f"""SELECT 'loan/' || m.loan_id AS subject, 'loan.modified:' || m.id AS key,
                              m.loan_id, m.id AS modification_id, m.kind, m.effective_date,
                              CAST(l.annual_rate AS TEXT) AS annual_rate,
                              CAST(m.installment_before AS TEXT) AS installment_before,
                              CAST(m.installment_after AS TEXT) AS installment_after,
                              l.maturity_date
                         FROM unnest(%s::bigint[]) AS written(id)
                         JOIN {LoanModification._meta.db_table} m ON m.id = written.id
                         JOIN {Loan._meta.db_table} l ON l.id = m.loan_id
                        WHERE l.id BETWEEN %s AND %s""",
        params=[list(modification_ids), *loan_bounds],
        business_date=business_date,
        order_by="modification_id",
        keyed=True,
    )


INSTALLMENT_DUE_RETURNING = """RETURNING 'loan/' || loan_id AS subject, loan_id,
    id AS installment_id, number, due_date, CAST(principal_due AS TEXT) AS principal_due,
    CAST(interest_due AS TEXT) AS interest_due, CAST(fee_due AS TEXT) AS fee_due"""
"""What the due step's UPDATE of `loans_installment` returns: the rows it marks are the
installment.due events (a step run twice marks, and so writes, nothing the second time)."""


def installments_due(update_sql: str, params: Sequence, business_date: date) -> int:
    return events_record_bulk(
        type="installment.due",
        source_sql=f"{update_sql} {INSTALLMENT_DUE_RETURNING}",
        params=params,
        business_date=business_date,
        order_by="number",
    )


def installments_overdue(
    first: int, last: int, unpaid: Sequence[str], open_: Sequence[str], today: date
) -> int:
    """installment.overdue, once per installment, for the chunk's unpaid installments past
    their due date and the loan's grace days."""
    if connection.vendor == "postgresql":
        late = "(%s - i.due_date - l.grace_days)"
    else:
        late = "(CAST(julianday(%s) - julianday(i.due_date) AS INTEGER) - l.grace_days)"
    statuses = ", ".join(["%s"] * len(unpaid))
    loans = ", ".join(["%s"] * len(open_))
    return events_record_bulk(
        type="installment.overdue",
        source_sql=f"""SELECT 'loan/' || i.loan_id AS subject,
                              'installment.overdue:' || i.id AS key,
                              i.loan_id, i.id AS installment_id, i.number, i.due_date,
                              {late} AS days_past_due
                         FROM loans_installment i JOIN loans_loan l ON l.id = i.loan_id
                        WHERE i.loan_id BETWEEN %s AND %s AND l.id BETWEEN %s AND %s
                          AND i.status IN ({statuses}) AND l.status IN ({loans})
                          AND {late} > 0""",
        params=[today, first, last, first, last, *unpaid, *open_, today],
        business_date=today,
        order_by="number",
        keyed=True,
    )


def loans_non_accrual(rows: Sequence[tuple[int, int]], today: date) -> int:
    """loan.non_accrual for (loan id, days past due) pairs flagged today."""
    return events_record_many(
        type="loan.non_accrual",
        business_date=today,
        rows=[
            (
                subject(loan_id),
                {"loan_id": loan_id, "days_past_due": dpd},
                f"loan.non_accrual:{loan_id}:{today}",
            )
            for loan_id, dpd in rows
        ],
    )


def close_completed(run: CloseRun) -> None:
    event_record(
        type="close.completed",
        subject=f"close/{run.business_date}",
        business_date=run.business_date,
        key=f"close.completed:{run.business_date}",
        data={"close_run_id": run.pk, "business_date": run.business_date},
    )
