"""Reads of the books: balances at any business date and the trial balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Q, Sum

from core.money import ZERO

from .models import Account, JournalLine, LoanAccountBalance

CENT = Decimal("0.01")


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    currency: str
    debit: Decimal
    credit: Decimal

    @property
    def net(self) -> Decimal:
        return self.debit - self.credit


@dataclass(frozen=True)
class TrialBalance:
    as_of: date | None
    rows: list[TrialBalanceRow]

    def totals(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Per currency: total of debit balances and of credit balances."""
        out: dict[str, tuple[Decimal, Decimal]] = {}
        for row in self.rows:
            debit, credit = out.get(row.currency, (ZERO, ZERO))
            net = row.net
            out[row.currency] = (debit + max(net, ZERO), credit + max(-net, ZERO))
        return out

    @property
    def balanced(self) -> bool:
        return all(debit == credit for debit, credit in self.totals().values())


def _exact(amount: Decimal) -> Decimal:
    """SQLite (the demo) sums decimals as binary floats: round its sums back to the cent (no
    currency the ledger knows has a finer minor unit). PostgreSQL's sums are exact as they are."""
    if connection.vendor == "postgresql":
        return amount
    return amount.quantize(CENT)


def _up_to(as_of: date | None) -> Q:
    return Q() if as_of is None else Q(business_date__lte=as_of)


def account_balance(*, code: str, currency: str = "CNY", as_of: date | None = None) -> Decimal:
    """An account's balance on its normal side, from its lines up to a business date."""
    account = Account.objects.get(code=code, currency=currency)
    totals = JournalLine.objects.filter(_up_to(as_of), account=account).aggregate(
        debit=Sum("debit", default=ZERO), credit=Sum("credit", default=ZERO)
    )
    return account.signed(_exact(totals["debit"]), _exact(totals["credit"]))


def loan_balances(
    *, loan_id: int, as_of: date | None = None, currency: str = "CNY"
) -> dict[str, Decimal]:
    """A loan's balance per account code (normal side), income and expense included. Current
    balance-sheet balances come from the stored rows; the rest is summed from the loan's lines."""
    accounts = {a.id: a for a in Account.objects.filter(currency=currency)}
    derived = list(accounts)
    rows = []
    if as_of is None:
        rows = list(
            LoanAccountBalance.objects.filter(loan_id=loan_id, account_id__in=accounts).values_list(
                "account_id", "debit_total", "credit_total"
            )
        )
        derived = [pk for pk, account in accounts.items() if not account.keeps_loan_balances]
    rows += (
        JournalLine.objects.filter(_up_to(as_of), loan_id=loan_id, account_id__in=derived)
        .values("account_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .values_list("account_id", "debit", "credit")
    )
    return {
        accounts[account_id].code: accounts[account_id].signed(_exact(debit), _exact(credit))
        for account_id, debit, credit in rows
    }


def trial_balance(*, as_of: date | None = None) -> TrialBalance:
    sums = {
        row["account_id"]: (_exact(row["debit"]), _exact(row["credit"]))
        for row in JournalLine.objects.filter(_up_to(as_of))
        .values("account_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
    }
    rows = []
    for account in Account.objects.order_by("currency", "code"):
        debit, credit = sums.get(account.id, (ZERO, ZERO))
        rows.append(
            TrialBalanceRow(
                code=account.code,
                name=account.name,
                currency=account.currency,
                debit=debit,
                credit=credit,
            )
        )
    return TrialBalance(as_of=as_of, rows=rows)


def stored_balances_match_lines() -> list[tuple[int, int, Decimal, Decimal]]:
    """(loan, account, stored net, lines net) wherever the stored running totals disagree with
    the lines, or a stored row exists for an account that keeps none (income, expense)."""
    stored = [
        pk
        for pk, kind in Account.objects.values_list("id", "type")
        if kind in Account.STORED_BALANCE_TYPES
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT b.loan_id, b.account_id, b.debit_total - b.credit_total,
                   coalesce(l.debit, 0) - coalesce(l.credit, 0)
              FROM ledger_loanaccountbalance b
              FULL JOIN (SELECT loan_id, account_id, sum(debit) AS debit, sum(credit) AS credit
                           FROM ledger_journalline
                          WHERE loan_id IS NOT NULL
                            AND account_id IN ({", ".join(str(int(pk)) for pk in stored) or "NULL"})
                          GROUP BY loan_id, account_id) l
                ON l.loan_id = b.loan_id AND l.account_id = b.account_id
             WHERE coalesce(b.debit_total - b.credit_total, 0)
                   <> coalesce(l.debit, 0) - coalesce(l.credit, 0)
                OR l.loan_id IS NULL
            """
        )
        return cursor.fetchall()
