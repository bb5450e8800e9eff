"""A small simulated portfolio for the report tests: loans signed and disbursed through the
lifecycle services, repaid (on time, late, early) and left unpaid until written off, with the
real end-of-day close run every day in between."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from compliance.reports.month_end import month_end_capture
from ledger.services import business_date_current
from loans.eod import close_day_run
from loans.models import Installment, Loan, Product
from loans.services.disbursement import loan_disburse
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from loans.services.recoveries import loan_recover
from loans.services.repayments import loan_repay
from tests.lifecycle.factories import ACTOR, make_borrower, make_loan, make_product

ZERO = Decimal("0")


def owed_through(loan: Loan, day: date) -> Decimal:
    """What the schedule asks for up to `day` and is not paid yet."""
    total = ZERO
    for row in Installment.objects.filter(loan=loan, due_date__lte=day).exclude(
        status=Installment.Status.CANCELLED
    ):
        total += row.outstanding
    return total


def repay_due(loan: Loan, day: date, key: str) -> None:
    amount = owed_through(loan, day)
    if amount > 0:
        loan_repay(
            loan=Loan.objects.get(pk=loan.pk),
            amount=amount,
            value_date=day,
            business_date=day,
            idempotency_key=key,
            actor=ACTOR,
        )


def pay_off(loan: Loan, day: date) -> None:
    quote = loan_payoff_quote(loan=Loan.objects.get(pk=loan.pk), on=day)
    loan_pay_off(
        loan=Loan.objects.get(pk=loan.pk),
        amount=quote.total,
        value_date=day,
        business_date=day,
        idempotency_key=f"payoff:{loan.pk}",
        actor=ACTOR,
    )


def recover(loan: Loan, day: date, amount: str) -> None:
    """Cash collected on a written-off loan by collections: recoveries income (6111)."""
    loan_recover(
        loan=loan,
        amount=Decimal(amount),
        value_date=day,
        business_date=day,
        idempotency_key=f"recovery:{loan.pk}:{day}",
        source="collections",
        actor=ACTOR,
    )


def disburse(product: Product, principal: str, term: int, day: date) -> Loan:
    loan = make_loan(principal, term, day, product=product, borrower=make_borrower())
    return loan_disburse(loan=loan, business_date=day, actor=ACTOR)


@dataclass
class Portfolio:
    cash: Product
    shop: Product
    loans: dict[str, Loan] = field(default_factory=dict)

    def loan(self, name: str) -> Loan:
        return Loan.objects.get(pk=self.loans[name].pk)


def close_until(day: date, actions=None) -> None:
    """Close every business date before `day`, doing `actions(date)` before each close."""
    while business_date_current() < day:
        today = business_date_current()
        if actions is not None:
            actions(today)
        close_day_run()


def build_portfolio(until: date, *, capture_month_ends: bool = True) -> Portfolio:
    """From 2026-01-01 (the test settings' first business date) to `until`:

    * ``on_time``  12 × 6 months, every installment paid on its due date;
    * ``late``     paid nothing until 20 days after its first due date, then everything due;
    * ``early``    paid on time, then paid off on 2026-02-20;
    * ``lost``     a risky-product loan that never pays: written off at 30 days past due (the
                   product's threshold), 200.00 recovered on 2026-03-05;
    * ``later``    a shop loan disbursed on 2026-02-16, paying on time;
    * ``behind``   a shop loan that stops paying after its first installment.

    Each month end is captured on the first of the next month, as the report schedule does.
    """
    start = business_date_current()
    cash = make_product(code="cash", penalty_rate=Decimal("0.18"))
    risky = make_product(code="risky", charge_off_days_past_due=30, annual_rate=Decimal("0.2"))
    shop = make_product(
        code="shop",
        product_type=Product.Type.ECOMMERCE_INSTALLMENT,
        annual_rate=Decimal("0.15"),
        charge_off_days_past_due=90,
    )
    portfolio = Portfolio(cash=cash, shop=shop)
    portfolio.loans["on_time"] = disburse(cash, "12000.00", 6, start)
    portfolio.loans["late"] = disburse(cash, "6000.00", 6, start)
    portfolio.loans["early"] = disburse(cash, "3000.00", 3, start)
    portfolio.loans["lost"] = disburse(risky, "2000.00", 6, start)
    portfolio.loans["behind"] = disburse(shop, "2400.00", 12, start)
    first_due = Installment.objects.filter(loan=portfolio.loans["late"]).order_by("number")[0]
    late_payment = first_due.due_date + timedelta(days=20)

    def actions(today: date) -> None:
        if today.day == 1 and capture_month_ends:
            month_end_capture(business_date=today - timedelta(days=1))
        if today == date(2026, 2, 16):
            portfolio.loans["later"] = disburse(shop, "5000.00", 6, today)
        for name in ("on_time", "later"):
            if name in portfolio.loans:
                repay_due(portfolio.loan(name), today, f"{name}:{today}")
        if today <= first_due.due_date:
            repay_due(portfolio.loan("behind"), today, f"behind:{today}")
        if today < date(2026, 2, 20):
            repay_due(portfolio.loan("early"), today, f"early:{today}")
        if today == late_payment:
            repay_due(portfolio.loan("late"), today, f"late:{today}")
        if today == date(2026, 2, 20):
            pay_off(portfolio.loan("early"), today)
        if today == date(2026, 3, 5):
            recover(portfolio.loan("lost"), today, "200.00")

    close_until(until, actions)
    return portfolio
