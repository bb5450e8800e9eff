"""Loans for the close's tests: a schedule from `calc`, the disbursement posted through the
ledger, the FSM moved through approve and activate; and a plain repayment that pays what is
recognized, oldest installment first (the lifecycle services are built separately)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from calc.quote import schedule_apr
from calc.schedules import ScheduleTerms, build_schedule
from ledger import chart
from ledger.models import Account
from ledger.selectors import loan_balances
from ledger.services import EntrySpec, LineSpec, business_date_current, entry_post
from loans.eod import close_day_run
from loans.models import Borrower, Installment, Loan, Product
from loans.transitions import loan_transition

ZERO = Decimal("0")
_numbers = itertools.count(1)


def make_product(**overrides) -> Product:
    fields = {
        "code": f"eod-test-{next(_numbers)}",
        "name": "EOD test cash loan",
        "product_type": Product.Type.CASH_LOAN,
        "method": "equal_installment",
        "frequency": "monthly",
        "day_count": "act/360",
        "annual_rate": Decimal("0.18"),
        "penalty_rate": Decimal("0.27"),
        "min_amount": Decimal("100.00"),
        "max_amount": Decimal("100000.00"),
        "min_term": 1,
        "max_term": 36,
    }
    fields.update(overrides)
    return Product.objects.create(**fields)


def make_loan(
    *,
    product: Product | None = None,
    principal: str = "12000.00",
    annual_rate: str = "0.18",
    term: int = 12,
    start: date | None = None,
    first_due_date: date | None = None,
    method: str = "equal_installment",
    penalty_rate: str = "0.27",
    grace_days: int = 0,
    fee_rate: str = "0",
    upfront_fee: str = "0.00",
    apr_cap: str | None = "0.24",
    charge_off_days: int = 180,
    day_count: str = "act/360",
) -> Loan:
    product = product or make_product()
    start = start or business_date_current()
    terms = ScheduleTerms(
        principal=Decimal(principal),
        annual_rate=Decimal(annual_rate),
        term=term,
        start_date=start,
        method=method,
        first_due_date=first_due_date,
        day_count=day_count,
        fee_rate=Decimal(fee_rate),
        upfront_fee=Decimal(upfront_fee),
    )
    schedule = build_schedule(terms)
    apr = schedule_apr(schedule)
    number = next(_numbers)
    borrower = Borrower(name=f"Borrower {number}")
    borrower.set_national_id(f"11010119900101{number:04d}")
    borrower.save()
    loan = Loan.objects.create(
        reference=f"EOD{number:06d}",
        borrower=borrower,
        product=product,
        currency="CNY",
        principal=terms.principal,
        annual_rate=terms.annual_rate,
        term=term,
        method=method,
        frequency="monthly",
        day_count=day_count,
        rounding="half_up",
        fee_rate=terms.fee_rate,
        upfront_fee=terms.upfront_fee,
        penalty_rate=Decimal(penalty_rate),
        grace_days=grace_days,
        charge_off_days_past_due=charge_off_days,
        application_date=start,
        start_date=start,
        first_due_date=schedule.installments[0].due_date,
        disbursed_on=start,
        maturity_date=schedule.installments[-1].due_date,
        apr_nominal=apr.nominal,
        apr_effective=apr.effective,
        apr_cap=None if apr_cap is None else Decimal(apr_cap),
    )
    Installment.objects.bulk_create(
        Installment(
            loan=loan,
            number=row.number,
            period_start=row.period_start,
            due_date=row.due_date,
            days_in_period=row.days_in_period,
            principal_due=row.principal,
            interest_due=row.interest,
            fee_due=row.fee,
        )
        for row in schedule.installments
    )
    today = business_date_current()
    loan_transition(loan=loan, action="approve", actor="test", business_date=today)
    loan_transition(loan=loan, action="activate", actor="test", business_date=today)
    lines = [
        LineSpec(account=chart.LOANS_PRINCIPAL, debit=terms.principal, loan_id=loan.id),
        LineSpec(account=chart.CASH, credit=terms.principal - terms.upfront_fee),
    ]
    if terms.upfront_fee:
        lines.append(LineSpec(account=chart.FEE_INCOME, credit=terms.upfront_fee, loan_id=loan.id))
    entry_post(
        spec=EntrySpec(
            kind="disbursement",
            business_date=today,
            idempotency_key=f"disbursement:{loan.id}",
            lines=tuple(lines),
        )
    )
    return loan


COMPONENTS = (
    ("penalty", "penalty_due", chart.PENALTY_RECEIVABLE),
    ("fee", "fee_charged", chart.FEES_RECEIVABLE),
    ("interest", "interest_accrued", chart.INTEREST_RECEIVABLE),
    ("principal", "principal_due", chart.LOANS_PRINCIPAL),
)


def pay(loan: Loan, *, through: date | None = None, key: str | None = None) -> Decimal:
    """Pay everything recognized on installments due on or before `through` (default: the
    business date), oldest first, penalties, fees, interest, then principal."""
    today = business_date_current()
    through = through or today
    credits: dict[str, Decimal] = {}
    for installment in loan.installments.filter(due_date__lte=through).exclude(
        status__in=[Installment.Status.PAID, Installment.Status.CANCELLED]
    ):
        for name, recognized, account in COMPONENTS:
            paid_field = f"{name}_paid"
            owed = getattr(installment, recognized) - getattr(installment, paid_field)
            if owed > 0:
                setattr(installment, paid_field, getattr(installment, paid_field) + owed)
                credits[account] = credits.get(account, ZERO) + owed
        complete = all(
            getattr(installment, f"{name}_paid") == getattr(installment, f"{name}_due")
            for name, _, _ in COMPONENTS
        )
        installment.status = (
            Installment.Status.PAID if complete else Installment.Status.PARTIALLY_PAID
        )
        installment.paid_on = today if complete else None
        installment.save()
    total = sum(credits.values(), ZERO)
    if total:
        entry_post(
            spec=EntrySpec(
                kind="repayment",
                business_date=today,
                idempotency_key=key or f"test-repayment:{loan.id}:{today}:{through}",
                lines=(
                    LineSpec(account=chart.CASH, debit=total),
                    *(
                        LineSpec(account=account, credit=amount, loan_id=loan.id)
                        for account, amount in credits.items()
                    ),
                ),
            )
        )
    return total


def close(days: int = 1) -> date:
    """Run `days` closes in-process; return the new business date."""
    for _ in range(days):
        close_day_run()
    return business_date_current()


def close_until(day: date) -> None:
    """Close every business date before `day` (the business date becomes `day`)."""
    while business_date_current() < day:
        close_day_run()


def fresh(loan: Loan) -> Loan:
    """The loan as the database has it now."""
    return Loan.objects.get(pk=loan.pk)


def balances(loan: Loan) -> dict[str, Decimal]:
    """The loan's non-zero balance-sheet balances (its income and expense lines left out)."""
    return balance_sheet(loan_balances(loan_id=loan.id))


def balance_sheet(by_code: dict[str, Decimal]) -> dict[str, Decimal]:
    stored = set(
        Account.objects.filter(type__in=Account.STORED_BALANCE_TYPES).values_list("code", flat=True)
    )
    return {code: amount for code, amount in by_code.items() if amount and code in stored}


def d(text: str) -> date:
    return date.fromisoformat(text)


def next_day(day: date) -> date:
    return day + timedelta(days=1)
