"""Random loan lives with modifications interleaved: the lifecycle machine's repayments,
prepayments, payoffs, reversals, refunds and closed days, plus payment holidays, reschedules,
re-ages and manual rate changes (made by one user, approved by another), and floating-rate loans
reset by the close. After every step the lifecycle's invariants hold (reconciliation, trial
balance, nothing overpaid, repayments equal allocations plus overpayment), and for every loan
the principal its open schedule still owes equals its principal receivable in the ledger, with
no negative amount owed on any row."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from core.errors import DomainError
from core.money import ZERO
from ledger import chart
from ledger.selectors import loan_balances
from loans.errors import LoanRuleError
from loans.models import Installment, Loan, LoanModification, Repayment
from loans.services.applying import overpayment_held
from loans.services.modifications import modification_approve, modification_request
from loans.services.reversals import repayment_reverse

from ..lifecycle.factories import close_steps, make_active_loan
from ..lifecycle.test_state_machine import LOAN_STEPS, LoanLives

pytestmark = pytest.mark.django_db
FLOATING = {
    "rate_index": "lpr_1y",
    "rate_margin": Decimal("0.06"),
    "rate_floor": Decimal("0.10"),
    "rate_ceiling": Decimal("0.15"),
    "rate_reset_months": 1,
}
KINDS = {
    "payment_holiday": st.fixed_dictionaries({"installments": st.integers(1, 3)}),
    "reschedule": st.one_of(
        st.fixed_dictionaries({"term": st.integers(1, 24)}),
        st.fixed_dictionaries({"installment": st.sampled_from(["300.00", "800.00", "2500.00"])}),
    ),
    "reage": st.just({}),
    "rate_change": st.fixed_dictionaries(
        {"annual_rate": st.sampled_from(["0.08", "0.10", "0.1234", "0.15", "0.20"])}
    ),
}


class ModifiedLoanLives(LoanLives):
    @contextmanager
    def refused_if_back_dated_past_a_refund(self, loan: Loan, on: date):
        """Also refused, changing nothing: a payment dated before a modification applied later
        (the services' rule: it cannot replay the repayments the modification was built on)."""
        before = (Repayment.objects.filter(loan=loan).count(), overpayment_held(loan))
        try:
            with super().refused_if_back_dated_past_a_refund(loan, on):
                yield
        except LoanRuleError as exc:
            if "cannot replay the repayments it was built on" not in exc.detail:
                raise
            assert (Repayment.objects.filter(loan=loan).count(), overpayment_held(loan)) == before

    @rule(target=LoanLives.loans, term=st.sampled_from([3, 6, 12]))
    def disburse_floating(self, term):
        return make_active_loan("6000.00", term, self.today, **FLOATING).pk

    @rule(days=st.integers(min_value=1, max_value=25))
    def days_pass(self, days):
        """The close's loan steps, the floating-rate resets first (as in CLOSE_STEPS)."""
        for _ in range(days):
            close_steps(self.today, "rate_resets", *LOAN_STEPS)
            self.today = date.fromordinal(self.today.toordinal() + 1)

    def modify(self, loan_id, kind, parameters):
        """A maker asks, a checker approves (applied at once); a request the rules refuse
        (a closed loan, a rate outside the floor or cap, a re-age not allowed, nothing left to
        modify) changes nothing."""
        before = LoanModification.objects.count()
        try:
            requested = modification_request(
                loan=self.fresh(loan_id),
                kind=kind,
                effective_date=self.today,
                parameters=parameters,
                business_date=self.today,
                requested_by="maker",
            )
        except LoanRuleError:
            assert LoanModification.objects.count() == before
            return
        with pytest.raises(LoanRuleError):
            modification_approve(modification=requested, checker="maker", business_date=self.today)
        applied = modification_approve(
            modification=requested, checker="checker", business_date=self.today
        )
        assert applied.status == "applied"

    @rule(loan_id=LoanLives.loans, parameters=KINDS["payment_holiday"])
    def payment_holiday(self, loan_id, parameters):
        self.modify(loan_id, "payment_holiday", parameters)

    @rule(loan_id=LoanLives.loans, parameters=KINDS["reschedule"])
    def reschedule(self, loan_id, parameters):
        self.modify(loan_id, "reschedule", parameters)

    @rule(loan_id=LoanLives.loans, parameters=KINDS["reage"])
    def reage(self, loan_id, parameters):
        self.modify(loan_id, "reage", parameters)

    @rule(loan_id=LoanLives.loans, parameters=KINDS["rate_change"])
    def rate_change(self, loan_id, parameters):
        self.modify(loan_id, "rate_change", parameters)

    @invariant()
    def schedule_principal_is_the_ledgers(self):
        for loan in Loan.objects.filter(status__in=("active", "delinquent")):
            rows = Installment.objects.filter(loan=loan).exclude(status="cancelled")
            owed = sum((row.principal_due - row.principal_paid for row in rows), ZERO)
            for row in rows:
                assert row.outstanding >= 0 and row.principal_due >= 0, row
            balance = loan_balances(loan_id=loan.id, currency=loan.currency).get(
                chart.LOANS_PRINCIPAL, ZERO
            )
            assert owed == balance, (loan.reference, owed, balance)


def test_random_modified_loan_lives_keep_the_books_reconciled():
    try:
        run_state_machine_as_test(
            ModifiedLoanLives,
            settings=settings(max_examples=5, stateful_step_count=16, deadline=None),
        )
    except DomainError as exc:
        raise AssertionError(f"{type(exc).__name__}: {exc.detail}") from exc


def test_reversal_after_holidays_and_a_rate_change():
    """Found by the machine (one business date, no day closed): reversing the second prepayment
    after holidays and a rate change built on it collided on (loan, number); it is refused now,
    naming the modification, and nothing changes."""
    state = ModifiedLoanLives()
    try:
        loan = state.first_loan()
        state.payment_holiday(loan_id=loan, parameters={"installments": 3})
        state.prepay(back=6, loan_id=loan, mode="shorten_term", share=84)
        state.payment_holiday(loan_id=loan, parameters={"installments": 1})
        state.rate_change(loan_id=loan, parameters={"annual_rate": "0.15"})
        second = state.prepay(back=4, loan_id=loan, mode="shorten_term", share=63)
        state.payment_holiday(loan_id=loan, parameters={"installments": 3})
        state.payment_holiday(loan_id=loan, parameters={"installments": 2})
        with pytest.raises(LoanRuleError, match="Modification"):
            repayment_reverse(
                repayment=Repayment.objects.get(pk=second), business_date=state.today, actor="ops"
            )
        assert Repayment.objects.get(pk=second).status == Repayment.Status.POSTED
        state.schedule_principal_is_the_ledgers()
    finally:
        state.teardown()
