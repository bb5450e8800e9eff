"""Random loan lives with modifications interleaved: the lifecycle machine's repayments,
prepayments, payoffs, reversals, refunds and closed days, plus payment holidays, reschedules,
re-ages and manual rate changes (made by one user, approved by another), settlements (a
discounted payoff approved within the checker's limit, paid in one or more payments or voided by
the close at its deadline), and floating-rate loans reset by the close. After every step the lifecycle's invariants hold (reconciliation, trial
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
from loans.services.payoff import loan_payoff_quote
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse
from tests.api.conftest import make_user

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
    def __init__(self):
        super().__init__()
        self.supervisor = make_user(staff=True, groups=("approver",)).username

    @contextmanager
    def refused_if_back_dated_past_a_refund(self, loan: Loan, on: date):
        """Also refused, changing nothing: a payment dated before a modification that cannot be
        replayed (a close's rate reset: it cannot replay the repayments it was built on), or one
        whose replay a modification's rules then refuse."""
        before = (Repayment.objects.filter(loan=loan).count(), overpayment_held(loan))
        try:
            with super().refused_if_back_dated_past_a_refund(loan, on):
                yield
        except LoanRuleError as exc:
            if not any(
                reason in exc.detail
                for reason in (
                    "cannot replay the repayments it was built on",
                    "applied again after this change is refused",
                )
            ):
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

    @rule(
        loan_id=LoanLives.loans,
        share=st.integers(min_value=55, max_value=99),
        days=st.integers(min_value=0, max_value=20),
    )
    def settle(self, loan_id, share, days):
        """A settlement of `share`% of today's payoff with a deadline `days` ahead, asked and
        approved (a supervisor: up to 50% off); refused, changing nothing, where the rules
        say so (a loan not open, one already pending, nothing left under the payoff)."""
        loan = self.fresh(loan_id)
        payoff = loan_payoff_quote(loan=loan, on=self.today).total
        amount = (payoff * share / 100).quantize(Decimal("0.01"))
        before = LoanModification.objects.count()
        try:
            requested = modification_request(
                loan=loan,
                kind="settlement",
                effective_date=self.today,
                parameters={
                    "amount": str(amount),
                    "deadline": date.fromordinal(self.today.toordinal() + days).isoformat(),
                },
                business_date=self.today,
                requested_by="maker",
            )
        except LoanRuleError:
            assert LoanModification.objects.count() == before
            return
        approved = modification_approve(
            modification=requested, checker=self.supervisor, business_date=self.today
        )
        assert approved.status == "approved"

    @rule(loan_id=LoanLives.loans, part=st.sampled_from([Decimal("0.5"), Decimal("1")]))
    def pay_towards_settlement(self, loan_id, part):
        """Pay half or all of what an approved settlement still asks: in full it closes the
        loan (paid off, nothing open); short of it the loan stays open."""
        settlement = LoanModification.objects.filter(
            loan_id=loan_id, kind="settlement", status="approved"
        ).first()
        if settlement is None or settlement.deadline < self.today:
            return
        if self.fresh(loan_id).status not in ("active", "delinquent"):
            return  # cancelled (cooling-off) or charged off meanwhile: it lapses at its deadline
        counted = Repayment.objects.filter(
            loan_id=loan_id,
            status="posted",
            kind__in=Repayment.APPLIED_KINDS,
            id__gt=settlement.quote["counted_after"],
        )
        left = settlement.settlement_amount - sum((r.amount for r in counted), ZERO)
        amount = max((left * part).quantize(Decimal("0.01")), Decimal("0.01"))
        loan_repay(
            loan=self.fresh(loan_id),
            amount=amount,
            value_date=self.today,
            business_date=self.today,
            idempotency_key=self.key("settlement"),
        )
        status = LoanModification.objects.get(pk=settlement.pk).status
        if amount >= left:
            assert status == "applied"
            assert self.fresh(loan_id).status == "paid_off"
        else:
            assert status == "approved"

    @invariant()
    def settlements_open_only_on_open_loans_before_their_deadline(self):
        for settlement in LoanModification.objects.filter(kind="settlement", status="approved"):
            assert settlement.deadline >= self.today, settlement

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
    after holidays and a rate change built on it collided on (loan, number). The holidays
    recorded after it are unwound with it and applied again; the ones before it stay."""
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
        repayment_reverse(
            repayment=Repayment.objects.get(pk=second), business_date=state.today, actor="ops"
        )
        assert Repayment.objects.get(pk=second).status == Repayment.Status.REVERSED
        generations = sorted(
            modification.change["generation"]
            for modification in LoanModification.objects.filter(loan_id=loan)
        )
        assert generations == [1, 1, 1, 2, 2]
        state.books_reconcile()
        state.schedule_principal_is_the_ledgers()
    finally:
        state.teardown()
