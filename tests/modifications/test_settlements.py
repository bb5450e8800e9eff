"""Settlements (减免, discounted payoffs): quoted, approved within the checker's discount limit,
closing the loan when paid in full by the deadline, voided by the close otherwise.

The loan (as in `test_services`): 12,000 over 12 months at 12% (1% a month), equal installments
of 1,066.19 from Feb 15, 2026; row 1 is 946.19 principal + 120.00 interest, row 2 (Feb 15 – Mar
15) 955.65 + 110.54 (11,053.81 × 1%). Row 1 is paid on Feb 15. The payoff on Feb 15 is the
principal left, 11,053.81 (the period from Feb 15 has earned nothing on its first day). A
settlement of 9,000.00 is a discount of 2,053.81 = 18.58% of the payoff: within a collector's
limit (20% and 5,000), taken from principal only (nothing else is owed).

Paid in one payment of 9,000.00 on Feb 20 (the days from Feb 15 accrued by the close): the
repayment pays row 2 in full (1,066.19, interest 110.54 of it) and prepays 7,933.81 of the
10,098.16 principal of rows 3–12. The settlement then forgives the rest, 10,098.16 − 7,933.81 =
2,164.35 of principal (Cr 1303), booked interest first: the 110.54 of interest the payment
collected is waived (Dr 6011) and the principal forgiven is 2,164.35 − 110.54 = 2,053.81
(Dr 6711) — the principal the borrower did not repay, 11,053.81 − 9,000.00.
"""

from datetime import date
from decimal import Decimal

import pytest

from ledger.models import JournalLine
from loans.errors import LoanRuleError
from loans.models import LoanModification, Repayment
from loans.services.backoffice import StaffPermissionDenied
from loans.services.modification_backoffice import (
    backoffice_modification_decide,
    backoffice_modification_request,
)
from loans.services.modifications import modification_approve, modification_request
from loans.services.repayments import loan_repay
from loans.services.reversals import repayment_reverse
from loans.services.waivers import loan_write_off
from tests.api.conftest import make_user

from ..lifecycle.factories import (
    ACTOR,
    assert_books_consistent,
    close_steps,
    make_active_loan,
    reload,
    schedule,
)

pytestmark = pytest.mark.django_db
D = Decimal
ON = date(2026, 2, 15)
PAID = date(2026, 2, 20)
DEADLINE = date(2026, 3, 1)
STEPS = ("rate_resets", "accrual", "due", "delinquency", "penalties", "states")


def first_paid():
    loan = make_active_loan()
    loan_repay(
        loan=loan,
        amount=D("1066.19"),
        value_date=ON,
        business_date=ON,
        idempotency_key=f"first:{loan.pk}",
    )
    return reload(loan)


def ask(loan, amount="9000.00", maker="maker", deadline=DEADLINE, on=ON):
    return modification_request(
        loan=loan,
        kind="settlement",
        effective_date=on,
        parameters={"amount": amount, "deadline": deadline.isoformat()},
        business_date=on,
        requested_by=maker,
        reason="disputed charges settled",
    )


def days(loan, start, end):
    """The close's loan steps for each business date from `start` to before `end`."""
    for ordinal in range(start.toordinal(), end.toordinal()):
        close_steps(date.fromordinal(ordinal), *STEPS, loan=loan)


def pay(loan, amount, on, key):
    return loan_repay(
        loan=reload(loan), amount=D(amount), value_date=on, business_date=on, idempotency_key=key
    )


def lines(kind):
    return sorted(
        (line.account.code, line.debit, line.credit)
        for line in JournalLine.objects.filter(entry__kind=kind).select_related("account")
    )


def test_golden_settlement_paid_in_one_payment():
    # given the loan after row 1, and a settlement of 9,000 asked and approved on Feb 15
    loan = first_paid()
    collector = make_user(staff=True, groups=("collector",))
    settlement = ask(loan)
    assert settlement.quote["payoff"] == "11053.81"
    assert settlement.quote["discount"] == "2053.81"
    assert settlement.quote["share"] == "0.18580109"
    assert settlement.quote["split"]["principal"] == "2053.81"
    assert not lines("settlement")
    approved = modification_approve(
        modification=settlement, checker=collector.username, business_date=ON
    )
    assert approved.status == "approved" and reload(loan).status == "active"
    days(loan, ON, PAID)
    # when the borrower pays the agreed amount on Feb 20
    payment = pay(loan, "9000.00", PAID, "settle")
    # then the loan is paid off, the rest forgiven interest first, principal last as a loss
    settled = LoanModification.objects.get(pk=settlement.pk)
    assert (settled.status, settled.applied_on) == ("applied", PAID)
    assert reload(loan).status == "paid_off"
    assert lines("settlement") == [
        ("1303", D("0"), D("2164.35")),
        ("6011", D("110.54"), D("0")),
        ("6711", D("2053.81"), D("0")),
    ]
    assert settled.quote["booked"]["discount"]["principal"] == "2053.81"
    assert [row.status for row in schedule(loan)] == ["paid"] * 3
    assert_books_consistent(loan)
    # and the payment it was built on cannot be reversed under it
    with pytest.raises(LoanRuleError, match="Modification"):
        repayment_reverse(repayment=payment, business_date=PAID, actor=ACTOR)


def test_several_payments_by_the_deadline_close_the_loan():
    loan = first_paid()
    settlement = ask(loan)
    modification_approve(
        modification=settlement,
        checker=make_user(staff=True, groups=("approver",)).username,
        business_date=ON,
    )
    days(loan, ON, PAID)
    pay(loan, "4000.00", PAID, "part-1")
    assert LoanModification.objects.get(pk=settlement.pk).status == "approved"
    days(loan, PAID, date(2026, 2, 25))
    pay(loan, "5000.00", date(2026, 2, 25), "part-2")
    assert LoanModification.objects.get(pk=settlement.pk).status == "applied"
    assert reload(loan).status == "paid_off"
    # the principal lost is the principal not repaid, whatever interest the payments paid
    loss = [line for line in lines("settlement") if line[0] == "6711"]
    assert loss == [("6711", D("2053.81"), D("0"))]
    assert_books_consistent(loan)


def test_a_settlement_not_paid_by_its_deadline_is_voided_by_the_close():
    # given an approved settlement, and 4,000 of the 9,000 paid by the deadline
    loan = first_paid()
    settlement = ask(loan)
    modification_approve(
        modification=settlement,
        checker=make_user(staff=True, groups=("collector",)).username,
        business_date=ON,
    )
    days(loan, ON, PAID)
    part = pay(loan, "4000.00", PAID, "part")
    # when the close of the deadline runs (twice: idempotent)
    days(loan, PAID, date(2026, 3, 2))
    close_steps(DEADLINE, "rate_resets", loan=loan)
    # then the settlement is void and the loan goes on under its schedule
    assert LoanModification.objects.get(pk=settlement.pk).status == "voided"
    assert reload(loan).status == "active"
    assert Repayment.objects.get(pk=part.pk).status == "posted"
    assert not lines("settlement")
    # and a later payment of the rest is an ordinary repayment: nothing forgiven
    pay(loan, "5000.00", date(2026, 3, 2), "late")
    assert not lines("settlement") and reload(loan).status == "active"
    assert_books_consistent(loan)


def test_limits_by_role_are_data_and_refusals_give_the_figures():
    loan = first_paid()
    collector = make_user(staff=True, groups=("collector",))
    supervisor = make_user(staff=True, groups=("approver",))
    # a discount of 4,053.81 (36.67%): beyond a collector's 20%, within a supervisor's 50%
    settlement = ask(loan, amount="7000.00")
    with pytest.raises(LoanRuleError, match=r"4053\.81 \(36\.67% of the payoff 11053\.81\)"):
        modification_approve(modification=settlement, checker=collector.username, business_date=ON)
    assert LoanModification.objects.get(pk=settlement.pk).status == "requested"
    with pytest.raises(LoanRuleError, match="no settlement limit"):
        modification_approve(modification=settlement, checker="someone", business_date=ON)
    # nobody decides their own request
    with pytest.raises(LoanRuleError, match="maker-checker"):
        modification_approve(modification=settlement, checker="maker", business_date=ON)
    approved = modification_approve(
        modification=settlement, checker=supervisor.username, business_date=ON
    )
    assert approved.status == "approved"
    # one pending settlement per loan
    with pytest.raises(LoanRuleError, match="already has settlement"):
        ask(loan, amount="8000.00")


@pytest.mark.parametrize(
    ("amount", "deadline", "message"),
    [
        ("11053.81", DEADLINE, "not below the payoff of loan .* 11053.81"),
        ("12000.00", DEADLINE, "not below the payoff"),
        ("0.00", DEADLINE, "must be positive"),
        ("100.001", DEADLINE, "minor unit"),
        ("9000.00", date(2026, 2, 14), "deadline 2026-02-14 is before"),
    ],
)
def test_a_settlement_the_rules_refuse_is_not_recorded(amount, deadline, message):
    loan = first_paid()
    with pytest.raises(LoanRuleError, match=message):
        ask(loan, amount=amount, deadline=deadline)
    assert not LoanModification.objects.exists()


def test_a_charged_off_loan_is_refused():
    loan = first_paid()
    loan_write_off(loan=loan, business_date=ON, actor=ACTOR, reason="fraud")
    with pytest.raises(LoanRuleError, match="charged_off: only an active or delinquent"):
        ask(reload(loan))
    assert not LoanModification.objects.exists()


def test_staff_roles_for_settlements():
    """Collectors ask and decide each other's settlements; a loan officer asks but cannot
    approve; the reschedule permissions are not needed (nor enough)."""
    loan = first_paid()
    first, second = (make_user(staff=True, groups=("collector",)) for _ in range(2))
    officer = make_user(staff=True, groups=("loan officer",))
    settlement = backoffice_modification_request(
        loan=loan,
        kind="settlement",
        effective_date=ON,
        parameters={"amount": "9000.00", "deadline": DEADLINE.isoformat()},
        reason="settled",
        actor=first,
        business_date=ON,
    )
    with pytest.raises(StaffPermissionDenied, match="approve_settlement"):
        backoffice_modification_decide(
            modification=settlement, approve=True, actor=officer, business_date=ON
        )
    decided = backoffice_modification_decide(
        modification=settlement, approve=True, actor=second, business_date=ON
    )
    assert (decided.status, decided.checked_by) == ("approved", second.username)
