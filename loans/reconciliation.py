"""Reconciliation: every loan's contract (its schedule and repayments) against its ledger.

For each loan, outstanding principal, recognized interest, charged fees and penalties (from the
installments) and the overpayment held (from the repayments) must equal the loan's balances on
1303, 1132, 1133, 1134 and 2241. Interest in suspense (2261) is part of the interest receivable,
not an amount owed besides it: it must never be negative. Deferred fees and subsidies (1305)
must equal the loan's deferred yield less what is amortized (nothing once it is cancelled or
written off). Set-based: one query for the contract
side, one for the ledger's stored per-(account, loan) balances, whatever the number of loans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from core.money import ZERO
from ledger import chart
from ledger.models import Account, LoanAccountBalance
from loans.models import Loan
from loans.selectors.balances import Outstanding, loans_outstanding

ACCOUNTS = {
    "principal": chart.LOANS_PRINCIPAL,
    "interest": chart.INTEREST_RECEIVABLE,
    "fees": chart.FEES_RECEIVABLE,
    "penalties": chart.PENALTY_RECEIVABLE,
    "overpayment": chart.CUSTOMER_OVERPAYMENTS,
}
CODES = (*ACCOUNTS.values(), chart.INTEREST_SUSPENSE, chart.DEFERRED_YIELD)
SETTLED_WITH_DEFERRED = (Loan.Status.CANCELLED, Loan.Status.CHARGED_OFF)


@dataclass(frozen=True)
class Mismatch:
    loan_id: int
    component: str
    account: str
    contract: Decimal
    ledger: Decimal

    def __str__(self) -> str:
        return (
            f"loan {self.loan_id} {self.component} ({self.account}): "
            f"contract {self.contract} ledger {self.ledger}"
        )


def ledger_balances(*, loan_ids: Iterable[int] | None = None) -> dict[int, dict[str, Decimal]]:
    """Normal-side balances per loan and account code, for the reconciled accounts."""
    accounts = {
        pk: (code, side == Account.Side.CREDIT)
        for pk, code, side in Account.objects.filter(code__in=CODES).values_list(
            "id", "code", "normal_side"
        )
    }
    rows = LoanAccountBalance.objects.filter(account_id__in=list(accounts))
    if loan_ids is not None:
        rows = rows.filter(loan_id__in=list(loan_ids))
    out: dict[int, dict[str, Decimal]] = {}
    for loan_id, account_id, debit, credit in rows.values_list(
        "loan_id", "account_id", "debit_total", "credit_total"
    ):
        code, credit_normal = accounts[account_id]
        balance = credit - debit if credit_normal else debit - credit
        by_code = out.setdefault(loan_id, {})
        by_code[code] = by_code.get(code, ZERO) + balance
    return out


WRITTEN_OFF = ("principal", "interest", "fees", "penalties")


def _written_off(loan_ids: list[int] | None) -> set[int]:
    """Loans charged off (or closed after it), whose receivables the books hold at zero."""
    charged_off = Loan.objects.filter(
        transitions__to_status=Loan.Status.CHARGED_OFF,
        status__in=[Loan.Status.CHARGED_OFF, Loan.Status.CLOSED],
    )
    if loan_ids is not None:
        charged_off = charged_off.filter(id__in=loan_ids)
    return set(charged_off.values_list("id", flat=True))


def _deferred_left(loan_ids: list[int] | None) -> dict[int, Decimal]:
    """What each loan with a deferred yield should still hold on 1305."""
    loans = Loan.objects.exclude(deferred_yield=0)
    if loan_ids is not None:
        loans = loans.filter(id__in=loan_ids)
    return {
        pk: ZERO if status in SETTLED_WITH_DEFERRED else deferred - amortized
        for pk, deferred, amortized, status in loans.values_list(
            "id", "deferred_yield", "yield_amortized", "status"
        )
    }


_funder_reconcilers: list = []


def funder_reconcile_register(reconciler) -> None:
    """The app that keeps funders offers its per-funder reconcile here:
    ``reconciler(code=…) -> list`` of mismatches (each printable); loans knows no funders."""
    if reconciler not in _funder_reconcilers:
        _funder_reconcilers.append(reconciler)


def funder_reconcile(*, code: str) -> list:
    if not _funder_reconcilers:
        raise LookupError("No app keeps funders: a reconcile per funder is not available.")
    return _funder_reconcilers[0](code=code)


def reconcile(*, loan_ids: Iterable[int] | None = None) -> list[Mismatch]:
    """Every difference between contracts and the ledger (empty: they reconcile)."""
    ids = None if loan_ids is None else list(loan_ids)
    contract = loans_outstanding(loan_ids=ids)
    ledger = ledger_balances(loan_ids=ids)
    written_off = _written_off(ids)
    deferred = _deferred_left(ids)
    mismatches = []
    for loan_id in sorted(set(contract) | set(ledger)):
        owed = contract.get(loan_id, Outstanding())
        books = ledger.get(loan_id, {})
        for component, code in ACCOUNTS.items():
            expected = getattr(owed, component)
            if loan_id in written_off and component in WRITTEN_OFF:
                # The write-off took the receivables off the books; the borrower still owes
                # them (the contract keeps them for recovery and the credit bureau).
                expected = ZERO
            actual = books.get(code, ZERO)
            if expected != actual:
                mismatches.append(Mismatch(loan_id, component, code, expected, actual))
        left = deferred.get(loan_id, ZERO)
        if books.get(chart.DEFERRED_YIELD, ZERO) != left:
            mismatches.append(
                Mismatch(
                    loan_id,
                    "deferred yield",
                    chart.DEFERRED_YIELD,
                    left,
                    books.get(chart.DEFERRED_YIELD, ZERO),
                )
            )
        suspense = books.get(chart.INTEREST_SUSPENSE, ZERO)
        if suspense < 0:
            mismatches.append(
                Mismatch(loan_id, "interest in suspense", chart.INTEREST_SUSPENSE, ZERO, suspense)
            )
    return mismatches
