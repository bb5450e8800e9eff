"""The close's batched rate resets equal resetting each loan on its own.

The oracle below is the per-loan path: each loan due a reset repriced from the index table, its
plan computed by `modification_plan` from its own rows, the rows replaced rewritten with the new
amounts when the periods are the same (else cancelled and the new rows numbered after its highest
row left standing), one modification record, the loan's rate, maturity
and next reset date saved — one loan at a time through the ORM; the deferred yield the replaced
rows still carried re-spread over the new rows (`yield_respread`), the EIR before and after on
the record and the new one on the loan. The batch groups loans by shape
and writes set-based; the two must leave the same rows, records and loans, and post nothing.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Max, Sum

from calc.index_rates import next_reset
from ledger.models import JournalEntry
from loans.errors import LoanRuleError
from loans.models import Installment, Loan, LoanModification, Repayment
from loans.services.effective_interest import yield_respread
from loans.services.modification_plan import modification_plan
from loans.services.rate_resets import CHECKER, MAKER, OPEN, rate_resets_apply, reset_rate
from loans.services.schedule_rows import CLOSED, rows_from_schedule

from ..lifecycle.factories import make_active_loan

pytestmark = pytest.mark.django_db
D = Decimal
RESET = date(2026, 4, 15)
FEE = {"upfront_fee_amount": D("120.00"), "yield_fees": ["upfront_fee"]}
FLOATING = {
    "rate_index": "lpr_1y",
    "rate_margin": D("0.06"),
    "rate_floor": D("0.10"),
    "rate_ceiling": D("0.15"),
    "rate_reset_months": 3,
}


def reset_loan_by_loan(business_date: date) -> int:
    fixings: dict = {}
    repriced = 0
    due = Loan.objects.filter(
        status__in=OPEN, next_rate_reset__lte=business_date, rate_reset_months__gt=0
    ).exclude(rate_index="")
    for loan in due.order_by("id"):
        rate = reset_rate(loan, loan.next_rate_reset, fixings)
        reset_date = loan.next_rate_reset
        loan.next_rate_reset = next_reset(
            loan.start_date, loan.rate_reset_months, loan.rate_reset_day, business_date
        )
        plan = None
        if rate != loan.annual_rate:
            rows = list(
                Installment.objects.filter(loan=loan, period_start__gte=business_date).exclude(
                    status__in=CLOSED
                )
            )
            try:
                plan = modification_plan(
                    loan,
                    rows,
                    kind="rate_change",
                    effective_date=business_date,
                    parameters={"annual_rate": str(rate)},
                    business_date=business_date,
                    with_apr=False,
                )
            except LoanRuleError:
                plan = None
        if plan is None:
            loan.save(update_fields=["next_rate_reset"])
            continue
        same_periods = len(plan.rest.rows) == len(plan.after.installments) and all(
            (row.due_date, row.period_start, row.days_in_period)
            == (item.due_date, item.period_start, item.days_in_period)
            for row, item in zip(plan.rest.rows, plan.after.installments, strict=True)
        )
        change = {
            "generation": 1,
            "after_repayment": Repayment.objects.filter(loan=loan).aggregate(last=Max("id"))["last"]
            or 0,
            "loan": {
                name: None if getattr(loan, name) is None else str(getattr(loan, name))
                for name in (
                    "annual_rate",
                    "maturity_date",
                    "restructured_on",
                    "restructured_until",
                    "effective_rate",
                )
            },
            "entry_id": None,
            "restated": {},
            "rewritten": [row.pk for row in plan.rest.rows] if same_periods else [],
            "rewritten_yield": (
                [str(row.yield_amortization) for row in plan.rest.rows] if same_periods else []
            ),
            "cancelled": {
                str(row.pk): {
                    "status": row.status,
                    "interest_accrued": str(row.interest_accrued),
                    "fee_charged": str(row.fee_charged),
                    "penalty_due": str(row.penalty_due),
                    "yield_amortization": str(row.yield_amortization),
                }
                for row in ([] if same_periods else plan.rest.rows)
            },
            "created": [],
        }
        rate_before = loan.effective_rate
        new_rows = rows_from_schedule(
            loan, plan.after, first_number=plan.rest.rows[0].number, business_date=business_date
        )
        respread = yield_respread(loan, plan.rest.rows, new_rows)
        for row, item, new in zip(plan.rest.rows, plan.after.installments, new_rows, strict=True):
            if not same_periods:
                break
            row.principal_due, row.interest_due, row.fee_due = (
                item.principal,
                item.interest,
                item.fee,
            )
            row.yield_amortization = new.yield_amortization
            row.status = "due" if item.due_date <= business_date else "scheduled"
            row.save(
                update_fields=[
                    "principal_due",
                    "interest_due",
                    "fee_due",
                    "status",
                    "yield_amortization",
                ]
            )
        for row in [] if same_periods else plan.rest.rows:
            row.status = Installment.Status.CANCELLED
            row.save(update_fields=["status", "yield_amortization"])
        top = (
            Installment.objects.filter(loan=loan)
            .exclude(status=Installment.Status.CANCELLED)
            .aggregate(top=Max("number"))["top"]
            or 0
        )
        for offset, (item, new) in enumerate(
            [] if same_periods else zip(plan.after.installments, new_rows, strict=True), start=1
        ):
            created = Installment.objects.create(
                yield_amortization=new.yield_amortization,
                loan=loan,
                number=top + offset,
                period_start=item.period_start,
                due_date=item.due_date,
                days_in_period=item.days_in_period,
                principal_due=item.principal,
                interest_due=item.interest,
                fee_due=item.fee,
                status="due" if item.due_date <= business_date else "scheduled",
            )
            change["created"].append(created.pk)
        LoanModification.objects.create(
            change=change,
            loan=loan,
            kind="rate_change",
            status="applied",
            effective_date=business_date,
            parameters={
                "annual_rate": str(plan.annual_rate),
                "index": loan.rate_index,
                "reset_date": reset_date.isoformat(),
            },
            reason="Floating-rate reset",
            schedule_before=plan.rows_before(),
            schedule_after=plan.rows_after(),
            installment_before=plan.installment_before,
            installment_after=plan.installment_after,
            requested_by=MAKER,
            requested_on=business_date,
            checked_by=CHECKER,
            decided_on=business_date,
            applied_on=business_date,
            entry_ids=[],
            effective_rate_before=rate_before,
            effective_rate_after=respread.rate_after,
            yield_respread=respread.amount,
        )
        loan.annual_rate = plan.annual_rate
        loan.maturity_date = plan.after.installments[-1].due_date
        loan.save(
            update_fields=["annual_rate", "maturity_date", "next_rate_reset", "effective_rate"]
        )
        repriced += 1
    return repriced


def comparable(change: dict) -> dict:
    """The change kept on a record, its created rows by (number, due date): their ids differ
    between the two runs (the oracle's run is rolled back, its ids are not given back)."""
    created = Installment.objects.filter(pk__in=change["created"]).order_by("number")
    return {**change, "created": list(created.values_list("number", "due_date"))}


def book() -> dict:
    fields = (
        "loan_id",
        "number",
        "status",
        "period_start",
        "due_date",
        "days_in_period",
        "principal_due",
        "interest_due",
        "fee_due",
        "principal_paid",
        "yield_amortization",
    )
    return {
        "rows": sorted(Installment.objects.values_list(*fields)),
        "records": sorted(
            (
                (*record[:-1], comparable(record[-1]))
                for record in LoanModification.objects.values_list(
                    "loan_id",
                    "kind",
                    "status",
                    "effective_date",
                    "parameters",
                    "schedule_before",
                    "schedule_after",
                    "installment_before",
                    "installment_after",
                    "requested_by",
                    "checked_by",
                    "applied_on",
                    "entry_ids",
                    "effective_rate_before",
                    "effective_rate_after",
                    "yield_respread",
                    "change",
                )
            ),
            key=repr,
        ),
        "loans": sorted(
            Loan.objects.values_list(
                "id", "annual_rate", "maturity_date", "next_rate_reset", "effective_rate"
            )
        ),
        "entries": JournalEntry.objects.count(),
    }


def portfolio() -> list[Loan]:
    loans = [
        make_active_loan(**FLOATING),
        make_active_loan(**FLOATING),  # the same shape as the first
        make_active_loan(**FLOATING),  # the same, but paid ahead on a row after the reset
        make_active_loan("9000.00", **FLOATING),
        make_active_loan("12000.00", 24, **FLOATING),
        make_active_loan(method="equal_principal", **FLOATING),
        make_active_loan(**{**FLOATING, "rate_margin": D("0.14")}),  # to the cap
        make_active_loan(**{**FLOATING, "rate_margin": D("0.09")}),  # the rate does not move
        make_active_loan(**{**FLOATING, "rate_reset_day": 1}),
        make_active_loan(start=date(2026, 1, 20), **FLOATING),  # not due on Apr 15
        make_active_loan(),  # a fixed-rate loan
        make_active_loan(**FEE, **FLOATING),  # a deferred upfront fee to re-spread
        make_active_loan(**FEE, **FLOATING),  # the same shape
        make_active_loan(method="equal_principal", **FEE, **FLOATING),
        make_active_loan(**{**FEE, "upfront_fee_withheld": False}, **FLOATING),
    ]
    ahead = Installment.objects.get(loan=loans[2], period_start=date(2026, 5, 15))
    Installment.objects.filter(pk=ahead.pk).update(principal_paid=D("1.00"))
    return loans


def test_the_batch_leaves_what_resetting_each_loan_leaves():
    portfolio()
    with transaction.atomic():
        expected_repriced = reset_loan_by_loan(RESET)
        expected = book()
        transaction.set_rollback(True)
    repriced = rate_resets_apply(Loan.objects.all(), business_date=RESET)
    assert repriced == expected_repriced == 12
    # the fee loans' rows left standing still plan the whole deferred fee, at a new EIR
    for loan in Loan.objects.exclude(deferred_yield=0):
        planned = Installment.objects.filter(loan=loan).aggregate(total=Sum("yield_amortization"))
        assert planned["total"] == loan.deferred_yield == D("120.00")
        record = LoanModification.objects.get(loan=loan)
        assert record.yield_respread > 0
        assert record.effective_rate_before != record.effective_rate_after == loan.effective_rate
    assert book() == expected
    assert rate_resets_apply(Loan.objects.all(), business_date=RESET) == 0
