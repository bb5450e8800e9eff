"""What a modification would do to a loan, computed without changing anything (the quote).

A modification rebuilds the rest of the schedule from a period boundary: the first open
installment whose accrual period starts on or after the effective date. Nothing has been
recognized on that row or the later ones (the close accrues a period only once it has started;
fees are charged when due), so rebuilding them moves no money already booked. Rows paid ahead
(a payment on a row not yet due) keep the boundary after them. The schedule math is pure
(`calc.schedules.modify`); this module picks the rows, the kind's parameters and the APR of the
rest of the loan before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from calc.apr import AprError
from calc.quote import schedule_apr
from calc.reaging import reage_refusal, reage_rules
from calc.schedules import Schedule, ScheduleError, ScheduleTerms
from calc.schedules.modify import continued_schedule, continued_terms, holiday_schedule
from calc.terms import Installment as Row
from core.money import ZERO
from loans.errors import LoanRuleError
from loans.models import Installment, Loan, LoanModification, Repayment
from loans.terms import loan_terms

from .schedule_rows import open_sorted, period_end

Kind = LoanModification.Kind
MODIFIABLE = (Loan.Status.ACTIVE, Loan.Status.DELINQUENT)


@dataclass(frozen=True)
class Rest:
    """The open rows a modification replaces and what they owed."""

    rows: list[Installment]
    principal: Decimal
    start: date
    first_due: date


@dataclass(frozen=True)
class Arrears:
    """The overdue rows a re-age capitalizes, and their outstanding amounts by component."""

    rows: list[Installment]
    amounts: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


NO_ARREARS = Arrears([], {})


@dataclass(frozen=True)
class Plan:
    kind: str
    effective_date: date
    rest: Rest
    before: Schedule
    after: Schedule
    annual_rate: Decimal
    apr_before: Decimal | None
    apr_after: Decimal | None
    arrears: Arrears = NO_ARREARS

    @property
    def installment_before(self) -> Decimal:
        return _first_payment(self.before)

    @property
    def installment_after(self) -> Decimal:
        return _first_payment(self.after)

    def rows_before(self) -> list[dict[str, str]]:
        return _rows_json(self.before)

    def rows_after(self) -> list[dict[str, str]]:
        return _rows_json(self.after)

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "effective_date": self.effective_date.isoformat(),
            "annual_rate": str(self.annual_rate),
            "apr_before": None if self.apr_before is None else str(self.apr_before),
            "apr_after": None if self.apr_after is None else str(self.apr_after),
            "installment_before": str(self.installment_before),
            "installment_after": str(self.installment_after),
            "capitalized": {key: str(value) for key, value in self.arrears.amounts.items()},
            "schedule_before": self.rows_before(),
            "schedule_after": self.rows_after(),
        }


def _first_payment(schedule: Schedule) -> Decimal:
    return next((row.total for row in schedule.installments if row.total), ZERO)


def _rows_json(schedule: Schedule) -> list[dict[str, str]]:
    return [
        {
            "number": row.number,
            "due_date": row.due_date.isoformat(),
            "principal": str(row.principal),
            "interest": str(row.interest),
            "fee": str(row.fee),
            "total": str(row.total),
        }
        for row in schedule.installments
    ]


def rest_of_loan(loan: Loan, rows: list[Installment], effective_date: date) -> Rest:
    """The open rows from the first period starting on or after `effective_date` (none paid)."""
    open_rows = open_sorted(rows)
    index = len(open_rows)
    while index and not open_rows[index - 1].total_paid:
        if open_rows[index - 1].period_start < effective_date:
            break
        index -= 1
    rest = open_rows[index:]
    if not rest:
        raise LoanRuleError(
            f"Loan {loan.reference} has no installment period starting on or after "
            f"{effective_date} that is not paid: there is nothing left to modify."
        )
    return Rest(
        rows=rest,
        principal=sum((row.principal_due for row in rest), ZERO),
        start=rest[0].period_start,
        first_due=period_end(rest[0]),
    )


def _schedule_of(rest: Rest, signed: ScheduleTerms) -> Schedule:
    terms = continued_terms(
        signed,
        principal=rest.principal,
        start_date=rest.start,
        first_due_date=rest.first_due,
        term=len(rest.rows),
    )
    installments = tuple(
        Row(
            number,
            row.due_date,
            period_end(row),
            row.period_start,
            row.days_in_period,
            row.principal_due,
            row.interest_due,
            row.fee_due,
            row.principal_due + row.interest_due + row.fee_due,
            ZERO,
        )
        for number, row in enumerate(rest.rows, start=1)
    )
    return Schedule(terms, installments, None)


def _apr(loan: Loan, schedule: Schedule) -> Decimal | None:
    try:
        return schedule_apr(schedule, loan.apr_method).nominal
    except (AprError, ScheduleError, ArithmeticError):
        return None


def signed_term(loan: Loan, name: str, default):
    """A product term as signed (the snapshot), else the product's."""
    product = (loan.terms_snapshot or {}).get("product") or {}
    value = product.get(name)
    return getattr(loan.product, name, default) if value is None else value


def _positive_int(parameters: dict, name: str) -> int:
    try:
        value = int(parameters[name])
    except (KeyError, TypeError, ValueError):
        raise LoanRuleError(f"The modification needs {name!r}, a whole number.") from None
    if value < 1:
        raise LoanRuleError(f"{name!r} must be at least 1, not {value}.")
    return value


def _decimal(parameters: dict, name: str) -> Decimal | None:
    if parameters.get(name) in (None, ""):
        return None
    try:
        value = Decimal(str(parameters[name]))
    except InvalidOperation:
        raise LoanRuleError(f"{name!r} must be a decimal number.") from None
    if not value.is_finite() or value < 0:
        raise LoanRuleError(f"{name!r} must be a non-negative number, not {value}.")
    return value


def new_schedule(
    loan: Loan,
    kind: str,
    rest: Rest,
    parameters: dict,
    terms: ScheduleTerms,
    arrears: Arrears = NO_ARREARS,
) -> tuple[Schedule, Decimal]:
    """The kind's schedule for the rest of the loan, and the annual rate it runs at."""
    common = {
        "principal": rest.principal,
        "start_date": rest.start,
        "first_due_date": rest.first_due,
    }
    rate = loan.annual_rate
    if kind == Kind.PAYMENT_HOLIDAY:
        return holiday_schedule(
            terms,
            **common,
            remaining_term=len(rest.rows),
            holiday_periods=_positive_int(parameters, "installments"),
            interest=signed_term(loan, "holiday_interest", "spread"),
            extend_term=bool(signed_term(loan, "holiday_extends_term", True)),
        ), rate
    if kind == Kind.REAGE:
        term = len(rest.rows)
        if parameters.get("term") not in (None, ""):
            term = _positive_int(parameters, "term")
        common["principal"] = rest.principal + arrears.total
        return continued_schedule(terms, **common, term=term), rate
    if kind == Kind.RESCHEDULE:
        term = len(rest.rows) if parameters.get("term") in (None, "") else None
        if term is None:
            term = _positive_int(parameters, "term")
        installment = _decimal(parameters, "installment")
        if installment is not None and installment <= 0:
            raise LoanRuleError("The new installment must be positive.")
        return continued_schedule(terms, **common, term=term, level_amount=installment), rate
    if kind == Kind.RATE_CHANGE:
        rate = _decimal(parameters, "annual_rate")
        if rate is None:
            raise LoanRuleError("A rate change needs 'annual_rate'.")
        if loan.rate_floor is not None and rate < loan.rate_floor:
            raise LoanRuleError(
                f"The rate {rate} is below loan {loan.reference}'s floor {loan.rate_floor}."
            )
        if loan.rate_ceiling is not None and rate > loan.rate_ceiling:
            raise LoanRuleError(
                f"The rate {rate} is above loan {loan.reference}'s cap {loan.rate_ceiling}."
            )
        return continued_schedule(terms, **common, term=len(rest.rows), annual_rate=rate), rate
    raise LoanRuleError(f"Unknown modification kind {kind!r}.")


def reage_arrears(
    loan: Loan, rows: list[Installment], rest: Rest, on: date, exclude: int | None = None
) -> Arrears:
    """The overdue rows a re-age would capitalize, once the jurisdiction's re-aging rules
    (`calc.reaging`) allow it; refused with the rule's name otherwise."""
    if loan.non_accrual:
        raise LoanRuleError(
            f"Loan {loan.reference} is on non-accrual: its interest in suspense cannot be "
            "capitalized by a re-age."
        )
    kept = {row.pk for row in rest.rows}
    overdue = [
        row
        for row in open_sorted(rows)
        if row.pk not in kept and row.due_date <= on and row.outstanding
    ]
    if not overdue:
        raise LoanRuleError(f"Loan {loan.reference} has no overdue installment to re-age.")
    earlier = (
        LoanModification.objects.filter(
            loan_id=loan.pk, kind=Kind.REAGE, status=LoanModification.Status.APPLIED
        )
        .exclude(pk=exclude)
        .values_list("effective_date", flat=True)
    )
    payments = Repayment.objects.filter(
        loan_id=loan.pk, status=Repayment.Status.POSTED, kind__in=Repayment.APPLIED_KINDS
    ).order_by("value_date", "id")
    installment = max(row.principal_due + row.interest_due + row.fee_due for row in overdue)
    broken = reage_refusal(
        reage_rules(loan.jurisdiction),
        on=on,
        earlier=list(earlier),
        payments=list(payments.values_list("amount", flat=True)),
        installment=installment,
    )
    if broken:
        raise LoanRuleError(
            f"Loan {loan.reference} cannot be re-aged: rule {broken!r}.", rule=broken
        )
    amounts = {
        component: sum(
            (
                getattr(row, f"{component}_due") - getattr(row, f"{component}_paid")
                for row in overdue
            ),
            ZERO,
        )
        for component in ("principal", "interest", "fee", "penalty")
    }
    return Arrears(overdue, amounts)


def modification_plan(
    loan: Loan,
    rows: list[Installment],
    *,
    kind: str,
    effective_date: date,
    parameters: dict,
    business_date: date,
    with_apr: bool = True,
    exclude: int | None = None,
    replaying: bool = False,
) -> Plan:
    """The quote of a modification: refused (`LoanRuleError`) when it cannot be applied.
    `with_apr=False` leaves the APRs out (the close's resets disclose the new installment);
    `exclude`: the modification being applied again (not an earlier re-age of its own);
    `replaying`: applied again in a replay, where the loan's status is settled only at the end
    (a loan paid off by a repayment unwound for the replay is open again)."""
    if loan.status not in MODIFIABLE and not replaying:
        raise LoanRuleError(
            f"Loan {loan.reference} is {loan.status}: only an active or delinquent loan can be "
            "modified."
        )
    if effective_date < business_date:
        raise LoanRuleError(
            f"A modification takes effect on or after the business date {business_date}, not "
            f"{effective_date}."
        )
    rest = rest_of_loan(loan, rows, effective_date)
    arrears = (
        reage_arrears(loan, rows, rest, business_date, exclude)
        if kind == Kind.REAGE
        else NO_ARREARS
    )
    signed = loan_terms(loan, start_date=loan.disbursed_on or loan.start_date)
    try:
        after, rate = new_schedule(loan, kind, rest, parameters, signed, arrears)
    except ScheduleError as exc:
        raise LoanRuleError(f"The schedule cannot be rebuilt: {exc}") from exc
    before = _schedule_of(rest, signed)
    return Plan(
        kind=kind,
        effective_date=effective_date,
        rest=rest,
        before=before,
        after=after,
        annual_rate=rate,
        apr_before=_apr(loan, before) if with_apr else None,
        apr_after=_apr(loan, after) if with_apr else None,
        arrears=arrears,
    )
