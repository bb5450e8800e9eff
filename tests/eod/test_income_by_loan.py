"""Income by loan, whatever route recognized it: after a book lived through the close and the
lifecycle services (daily accrual, catch-up at repayment, a partial prepayment, a payoff,
penalties, non-accrual and reinstatement, charge-off by the close and by staff, recoveries and a
bounced one), every loan's income per account read from the ledger equals its schedule's
interest, fees and penalties (accrued, or paid while it is on non-accrual) and its recoveries;
every income and expense line carries a loan; and `report income` per product equals the ledger
per product, with nothing under product "".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from ledger import chart
from ledger.models import JournalEntry, JournalLine
from ledger.selectors import account_balance, loan_balances, stored_balances_match_lines
from ledger.services import business_date_current
from loans.eod import states
from loans.models import Allocation, Installment, Loan, Product, Repayment
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from loans.services.prepayments import loan_prepay
from loans.services.recoveries import loan_recover
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse
from loans.services.waivers import loan_write_off
from tests.compliance.helpers import produce
from tests.compliance.portfolio import close_until, owed_through, repay_due
from tests.lifecycle.factories import ACTOR, assert_books_consistent, make_active_loan
from tests.lifecycle.factories import make_product as lifecycle_product

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
D = Decimal
ZERO = D("0")
INCOME = (chart.INTEREST_INCOME, chart.FEE_INCOME, chart.PENALTY_INCOME, chart.RECOVERIES)
EXPENSE = (chart.CREDIT_IMPAIRMENT, chart.WRITE_OFF_EXPENSE)
UNTIL = date(2026, 2, 26)


def expected_income(loan: Loan) -> dict[str, Decimal]:
    """What the loan earned by its contract: interest and penalties accrued (only what was paid
    while it is on non-accrual: the rest waits in suspense), fees charged, recoveries received."""
    loan = Loan.objects.get(pk=loan.pk)
    rows = Installment.objects.filter(loan=loan).aggregate(
        accrued=Sum("interest_accrued"),
        interest_paid=Sum("interest_paid"),
        fees=Sum("fee_charged"),
        penalty=Sum("penalty_due"),
        penalty_paid=Sum("penalty_paid"),
    )
    recovered = Repayment.objects.filter(
        loan=loan, kind=Repayment.Kind.RECOVERY, status=Repayment.Status.POSTED
    ).aggregate(total=Sum("amount", default=ZERO))["total"]
    cash_basis = loan.non_accrual
    return {
        chart.INTEREST_INCOME: rows["interest_paid"] if cash_basis else rows["accrued"],
        chart.FEE_INCOME: rows["fees"],
        chart.PENALTY_INCOME: rows["penalty_paid"] if cash_basis else rows["penalty"],
        chart.RECOVERIES: recovered,
    }


def book(monkeypatch) -> dict[str, Loan]:
    """Seven loans from 2026-01-01 (the test settings' first business date) to `UNTIL`."""
    # Return to accrual after 15 days current rather than 90: the same rule, a shorter book.
    monkeypatch.setattr(states, "ACCRUAL_REINSTATEMENT_DAYS", 15)
    start = business_date_current()
    cash = lifecycle_product(code="cash", penalty_rate=D("0.18"))
    shop = lifecycle_product(
        code="shop",
        product_type=Product.Type.ECOMMERCE_INSTALLMENT,
        method="flat_fee",
        annual_rate=D("0"),
        fee_rate=D("0.006"),
        penalty_rate=D("0.18"),
    )
    loans = {
        "on_time": make_active_loan("6000.00", 6, start, product=shop),
        "prepays": make_active_loan("12000.00", 12, start, product=cash),
        "pays_off": make_active_loan("3000.00", 3, start, product=cash),
        "late": make_active_loan("6000.00", 6, start, product=cash),
        # 89 days past due on the first close, 90 on the second: non-accrual, then cured
        "reinstated": make_active_loan("6000.00", 12, date(2025, 9, 4), product=cash),
        # 184 days past due on the first close: non-accrual and charged off at once
        "charged_off": make_active_loan("6000.00", 12, date(2025, 6, 1), product=cash),
        "written_off": make_active_loan("4000.00", 6, start, product=cash),
    }

    def loan(name: str) -> Loan:
        return Loan.objects.get(pk=loans[name].pk)

    def actions(today: date) -> None:
        for name in ("on_time", "prepays", "pays_off"):
            if loan(name).is_open:
                repay_due(loan(name), today, f"{name}:{today}")
        if today >= date(2026, 2, 21):
            repay_due(loan("late"), today, f"late:{today}")
        if today >= date(2026, 1, 3):
            repay_due(loan("reinstated"), today, f"reinstated:{today}")
        common = {"value_date": today, "business_date": today, "actor": ACTOR}
        if today == date(2026, 2, 10):
            loan_prepay(
                loan=loan("prepays"),
                amount=D("3000.00"),
                idempotency_key="prepay",
                mode="shorten_term",
                **common,
            )
        if today == date(2026, 2, 20):
            quote = loan_payoff_quote(loan=loan("pays_off"), on=today)
            loan_pay_off(loan=loan("pays_off"), amount=quote.total, idempotency_key="off", **common)
        if today == date(2026, 1, 10):  # the borrower pays after the charge-off: a recovery
            paid = loan_repay(
                loan=loan("charged_off"), amount=D("500.00"), idempotency_key="pays", **common
            )
            assert (paid.kind, paid.source) == ("recovery", "borrower")
        if today == date(2026, 1, 20):
            loan_recover(
                loan=loan("charged_off"),
                amount=D("300.00"),
                idempotency_key="agency",
                source="agency",
                **common,
            )
        if today == date(2026, 1, 25):
            bounced = Repayment.objects.get(idempotency_key="agency")
            repayment_reverse(repayment=bounced, business_date=today, actor=ACTOR, reason="bounced")
        if today == date(2026, 2, 15):
            loan_write_off(loan=loan("written_off"), business_date=today, actor=ACTOR, reason="x")
        if today == date(2026, 2, 20):
            loan_recover(
                loan=loan("written_off"),
                amount=D("1000.00"),
                idempotency_key="sale",
                source="sale",
                **common,
            )

    close_until(UNTIL, actions)
    return {name: loan(name) for name in loans}


def test_every_loans_income_from_the_ledger_equals_its_schedule_on_every_route(monkeypatch):
    loans = book(monkeypatch)

    # The routes were all taken
    assert loans["prepays"].repayments.filter(kind="prepayment", status="posted").exists()
    assert loans["pays_off"].status == "paid_off"
    assert loans["late"].installments.filter(penalty_due__gt=0).exists()
    assert Allocation.objects.filter(recognized__gt=0, active=True).exists()  # catch-up
    assert not loans["reinstated"].non_accrual
    assert JournalEntry.objects.filter(memo__startswith="Returned to accrual").exists()
    assert loans["charged_off"].non_accrual and loans["charged_off"].status == "charged_off"
    assert loans["written_off"].status == "charged_off" and not loans["written_off"].non_accrual
    assert owed_through(loans["charged_off"], UNTIL) > 0  # the contract still holds the debt

    # Then each loan's income per account, read from the ledger, is what its contract earned
    for name, loan in loans.items():
        books = loan_balances(loan_id=loan.pk)
        earned = {code: books.get(code, ZERO) for code in INCOME}
        assert earned == expected_income(loan), name
    assert loan_balances(loan_id=loans["charged_off"].pk)[chart.RECOVERIES] == D("500.00")

    # and no income or expense line is without its loan: per-loan sums make the accounts
    for code in (*INCOME, *EXPENSE):
        assert not JournalLine.objects.filter(account__code=code, loan_id=None).exists(), code
        per_loan = sum(loan_balances(loan_id=loan.pk).get(code, ZERO) for loan in loans.values())
        assert per_loan == account_balance(code=code), code

    # and `report income` per product equals the ledger per product, nothing under ""
    report = produce("income", UNTIL - timedelta(days=1), start=date(2026, 1, 1))
    columns = [column.name for column in report.columns]
    by_product: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in report.rows:
        for name, value in zip(columns[2:], row[2:], strict=True):
            by_product[row[1]][name] += value
    assert set(by_product) == {"cash", "shop"}
    names = {
        chart.INTEREST_INCOME: "interest_income",
        chart.FEE_INCOME: "fee_income",
        chart.PENALTY_INCOME: "penalty_income",
        chart.RECOVERIES: "recoveries",
        chart.CREDIT_IMPAIRMENT: "credit_impairment",
        chart.WRITE_OFF_EXPENSE: "write_offs",
    }
    for product in ("cash", "shop"):
        members = [loan for loan in loans.values() if loan.product.code == product]
        for code, name in names.items():
            ledger = sum(loan_balances(loan_id=loan.pk).get(code, ZERO) for loan in members)
            assert by_product[product][name] == ledger, (product, name)
        for code in INCOME:
            contract = sum((expected_income(loan)[code] for loan in members), ZERO)
            assert by_product[product][names[code]] == contract, (product, code)
    assert by_product["cash"]["recoveries"] == D("1500.00")

    # The books still reconcile, and no stored balance row is kept for income or expense
    assert_books_consistent(*loans.values())
    assert stored_balances_match_lines() == []
