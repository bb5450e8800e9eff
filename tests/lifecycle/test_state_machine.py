"""Random loan lives against the books: disbursements, repayments (under, exact, over),
prepayments, payoffs, reversals, back-dated payments, refunds, cooling-off cancellations and the
passing of days (each closed by the close's own loan steps). After every step: reconciliation passes, the trial
balance nets to zero, no installment is paid beyond what is due or recognized, and every
repayment equals its allocations plus its overpayment."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

import pytest
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from core.errors import DomainError
from loans.errors import LoanRuleError, LoanStateError
from loans.models import Installment, Loan, Repayment
from loans.services.applying import overpayment_held
from loans.services.cooling_off import loan_cancel_cooling_off, loan_cooling_off_quote
from loans.services.overpayments import overpayment_refund
from loans.services.payoff import loan_pay_off, loan_payoff_quote
from loans.services.prepayments import loan_prepay
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse

from .factories import assert_books_consistent, close_steps, make_active_loan

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")
RECEIVING = ("active", "delinquent", "paid_off")
METHODS = ["equal_installment", "equal_principal", "interest_only", "bullet", "flat_fee"]
LOAN_STEPS = ("accrual", "due", "delinquency", "penalties", "states")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


class LoanLives(RuleBasedStateMachine):
    loans = Bundle("loans")
    repayments = Bundle("repayments")

    def __init__(self):
        super().__init__()
        self.today = date(2026, 1, 15)
        self.keys = 0
        # Every run in a savepoint of the test's transaction, rolled back at teardown (a bare
        # savepoint, not an atomic block: the money services' transactions are durable).
        self._savepoint = transaction.savepoint()

    def teardown(self):
        transaction.savepoint_rollback(self._savepoint)

    def key(self, prefix: str) -> str:
        self.keys += 1
        return f"{prefix}-{self.keys}"

    def value_date(self, loan: Loan, back: int) -> date:
        return max(loan.disbursed_on, self.today - timedelta(days=back))

    @staticmethod
    def fresh(loan_id: int) -> Loan:
        return Loan.objects.get(pk=loan_id)

    @contextmanager
    def refused_if_back_dated_past_a_refund(self, loan: Loan, on: date):
        """A back-dated payment replays the later ones; a replay that would take back an
        overpayment already refunded is refused (the services' rule) and changes nothing."""
        before = (Repayment.objects.filter(loan=loan).count(), overpayment_held(loan))
        try:
            yield
        except LoanRuleError as exc:
            if on == self.today or "already refunded" not in exc.detail:
                raise
            assert (Repayment.objects.filter(loan=loan).count(), overpayment_held(loan)) == before

    # Loans -------------------------------------------------------------------------------

    @initialize(target=loans)
    def first_loan(self):
        return make_active_loan("12000.00", 12, self.today).pk

    @rule(
        target=loans,
        principal=st.integers(min_value=10, max_value=500).map(lambda n: Decimal(n) * 100),
        term=st.sampled_from([1, 3, 6, 12]),
        method=st.sampled_from(METHODS),
        withheld=st.booleans(),
        mode=st.sampled_from(["shorten_term", "lower_installment"]),
    )
    def disburse(self, principal, term, method, withheld, mode):
        flat = method == "flat_fee"
        loan = make_active_loan(
            principal,
            term,
            self.today,
            method,
            annual_rate=Decimal("0") if flat else Decimal("0.12"),
            fee_rate=Decimal("0.004") if flat else Decimal("0.0005"),
            upfront_fee_rate=Decimal("0.002"),
            upfront_fee_withheld=withheld,
            prepayment_mode=mode,
        )
        return loan.pk

    # Time --------------------------------------------------------------------------------

    @rule(days=st.integers(min_value=1, max_value=25))
    def days_pass(self, days):
        """Close each day with the close's own loan steps: interest accrued to it, fees falling
        due charged, days past due, penalty interest on installments past due (capped), and the
        state changes (delinquent, cured, non-accrual, charge-off)."""
        for _ in range(days):
            close_steps(self.today, *LOAN_STEPS)
            self.today += timedelta(days=1)

    # Money -------------------------------------------------------------------------------

    @rule(
        target=repayments,
        loan_id=loans,
        size=st.sampled_from(["under", "exact", "over"]),
        back=st.integers(min_value=0, max_value=40),
        share=st.integers(min_value=1, max_value=99),
    )
    def repay(self, loan_id, size, back, share):
        loan = self.fresh(loan_id)
        if loan.status not in RECEIVING:
            return loan_id and None
        on = self.value_date(loan, back)
        rows = list(
            Installment.objects.filter(loan=loan, due_date__gte=on).exclude(
                status__in=("paid", "cancelled")
            )
        )
        quote = loan_payoff_quote(loan=loan, on=on).total
        bill = rows[0].outstanding if rows else Decimal("25.00")
        amount = {
            "under": max(CENT, cents(bill * share / 100)),
            "exact": bill,
            "over": quote + cents(Decimal(share) / 7) + CENT,
        }[size]
        with self.refused_if_back_dated_past_a_refund(loan, on):
            return loan_repay(
                loan=loan,
                amount=amount,
                value_date=on,
                business_date=self.today,
                idempotency_key=self.key("repay"),
            ).pk

    @rule(
        target=repayments,
        loan_id=loans,
        share=st.integers(min_value=5, max_value=95),
        back=st.integers(min_value=0, max_value=20),
        mode=st.sampled_from(["shorten_term", "lower_installment"]),
    )
    def prepay(self, loan_id, share, back, mode):
        loan = self.fresh(loan_id)
        if loan.status not in ("active", "delinquent"):
            return None
        on = self.value_date(loan, back)
        amount = max(CENT, cents(loan_payoff_quote(loan=loan, on=on).total * share / 100))
        with self.refused_if_back_dated_past_a_refund(loan, on):
            return loan_prepay(
                loan=loan,
                amount=amount,
                value_date=on,
                business_date=self.today,
                mode=mode,
                idempotency_key=self.key("prepay"),
            ).pk

    @rule(target=repayments, loan_id=loans, extra=st.sampled_from(["0.00", "0.01", "35.10"]))
    def pay_off(self, loan_id, extra):
        loan = self.fresh(loan_id)
        if loan.status not in ("active", "delinquent"):
            return None
        quote = loan_payoff_quote(loan=loan, on=self.today)
        repayment = loan_pay_off(
            loan=loan,
            amount=quote.total + Decimal(extra),
            value_date=self.today,
            business_date=self.today,
            idempotency_key=self.key("payoff"),
        )
        assert self.fresh(loan_id).status == "paid_off"
        assert repayment.overpayment == Decimal(extra)
        return repayment.pk

    @rule(repayment_id=repayments)
    def reverse(self, repayment_id):
        if repayment_id is None:
            return
        repayment = Repayment.objects.get(pk=repayment_id)
        try:
            repayment_reverse(repayment=repayment, business_date=self.today, actor="ops")
        except (LoanRuleError, LoanStateError):
            # an overpayment it would take back was refunded; the loan was cancelled
            assert Repayment.objects.get(pk=repayment_id).status == repayment.status

    @rule(loan_id=loans, share=st.integers(min_value=1, max_value=100))
    def refund(self, loan_id, share):
        loan = self.fresh(loan_id)
        held = overpayment_held(loan)
        amount = cents(held * share / 100)
        if amount > 0:
            overpayment_refund(
                loan=loan, amount=amount, business_date=self.today, idempotency_key=self.key("rf")
            )

    @precondition(lambda self: self.today <= date(2026, 1, 22))
    @rule(loan_id=loans)
    def cool_off(self, loan_id):
        loan = self.fresh(loan_id)
        quote = loan_cooling_off_quote(loan=loan)
        if loan.status != "active" or self.today > quote.last_day:
            return
        loan_cancel_cooling_off(
            loan=loan,
            amount=quote.returned_by_borrower,
            business_date=self.today,
            idempotency_key=self.key("cool"),
        )
        assert self.fresh(loan_id).status == "cancelled"

    # Invariants ---------------------------------------------------------------------------

    @invariant()
    def books_reconcile(self):
        assert_books_consistent()
        for loan in Loan.objects.filter(status="paid_off"):
            assert (
                not Installment.objects.filter(loan=loan)
                .exclude(status__in=("paid", "cancelled"))
                .exists()
            ), loan


@pytest.mark.slow
def test_random_loan_lives_keep_the_books_reconciled():
    try:
        run_state_machine_as_test(
            LoanLives,
            settings=settings(max_examples=12, stateful_step_count=25, deadline=None),
        )
    except DomainError as exc:  # show the domain detail, not only the class
        raise AssertionError(f"{type(exc).__name__}: {exc.detail}") from exc
