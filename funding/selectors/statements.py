"""A funder's daily settlement statement: its collections of the day by component, the
platform's service fee (the spread between the borrower's rate and the funder's own), and the
net amount to transfer. Read from its books (`partner_parts_sql`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from core.money import CENT, ZERO
from ledger import chart
from ledger.models import Account, JournalEntry

from .. import accounts
from ..models import Funder, LoanFunding
from .books import partner_parts_sql
from .split_lines import derived_in_sql, parts_rows

SETTLEMENT_KINDS = ("funder_settlement", "funder_service_fee")
COMPONENTS = {
    chart.LOANS_PRINCIPAL: "principal",
    chart.INTEREST_RECEIVABLE: "interest",
    chart.FEES_RECEIVABLE: "fee",
    chart.PENALTY_RECEIVABLE: "penalty",
    chart.RECOVERIES: "recoveries",
}


@dataclass
class Statement:
    funder: str
    business_date: date
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    fee: Decimal = ZERO
    penalty: Decimal = ZERO
    recoveries: Decimal = ZERO
    other: Decimal = ZERO
    service_fee: Decimal = ZERO
    loans: set[int] = field(default_factory=set)

    @property
    def collections(self) -> Decimal:
        return self.principal + self.interest + self.fee + self.penalty + self.recoveries

    @property
    def cash(self) -> Decimal:
        return self.collections + self.other

    @property
    def net_amount(self) -> Decimal:
        return self.cash - self.service_fee

    def as_dict(self) -> dict:
        return {
            "funder": self.funder,
            "business_date": self.business_date.isoformat(),
            "principal": str(self.principal),
            "interest": str(self.interest),
            "fee": str(self.fee),
            "penalty": str(self.penalty),
            "recoveries": str(self.recoveries),
            "collections": str(self.collections),
            "other": str(self.other),
            "service_fee": str(self.service_fee),
            "net_amount": str(self.net_amount),
            "loans": len(self.loans),
        }


def settlement_statement(*, funder: Funder, on: date) -> Statement:
    """The partner's statement of ``on``: what its part of the day's cash entries collected
    (the entries that brought cash in), what else moved its cash (disbursements it funded,
    compensation, transfers), the service fee kept by the platform and the net to transfer."""
    statement = Statement(funder=funder.code, business_date=on)
    rows = _day_parts(funder, on)
    by_entry: dict[int, list[tuple[int | None, str, Decimal]]] = defaultdict(list)
    for entry_id, loan_id, code, amount in rows:
        by_entry[entry_id].append((loan_id, code, amount))
    interest_by_loan: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for lines in by_entry.values():
        cash = sum((amount for _, code, amount in lines if code == accounts.CASH), ZERO)
        components = [
            (loan_id, COMPONENTS[code], -amount)
            for loan_id, code, amount in lines
            if code in COMPONENTS
        ]
        if cash > 0 and components:
            named = ZERO
            for loan_id, name, amount in components:
                setattr(statement, name, getattr(statement, name) + amount)
                named += amount
                if name == "interest" and loan_id is not None:
                    interest_by_loan[loan_id] += amount
                if loan_id is not None:
                    statement.loans.add(loan_id)
            statement.other += cash - named
        else:
            statement.other += cash
    statement.service_fee = _service_fee(funder, on, interest_by_loan)
    return statement


def _day_parts(funder: Funder, on: date) -> list[tuple[int, int | None, str, Decimal]]:
    """(entry, loan, account code, amount) of the funder's part of the day's entries but its
    settlement's."""
    if not derived_in_sql():
        rows = parts_rows(funder_ids=[funder.pk], on=on)
        codes = dict(Account.objects.values_list("id", "code"))
        kinds = dict(
            JournalEntry.objects.filter(pk__in={row[2] for row in rows}).values_list("id", "kind")
        )
        return [
            (entry_id, loan_id, codes[account_id], amount)
            for _funder, loan_id, entry_id, account_id, amount in rows
            if kinds[entry_id] not in SETTLEMENT_KINDS
        ]
    sql, params = partner_parts_sql(funder_ids=[funder.pk], on=on)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT p.entry_id, p.loan_id, a.code, p.amount
                  FROM ({sql}) p
                  JOIN ledger_account a ON a.id = p.account_id
                  JOIN ledger_journalentry e ON e.id = p.entry_id
                 WHERE e.kind <> ALL(%s)""",
            [*params, list(SETTLEMENT_KINDS)],
        )
        return cursor.fetchall()


def _service_fee(funder: Funder, on: date, interest_by_loan: dict[int, Decimal]) -> Decimal:
    """The spread on the interest collected for the funder: interest × (borrower's rate −
    funder's rate) ÷ borrower's rate, per loan, rounded half up to the cent."""
    if not interest_by_loan:
        return ZERO
    rates = {
        loan_id: (funder_rate, loan_rate)
        for loan_id, funder_rate, loan_rate in LoanFunding.objects.filter(
            funder=funder, loan_id__in=list(interest_by_loan), valid_from__lte=on
        )
        .exclude(valid_until__lte=on)
        .values_list("loan_id", "funder_rate", "loan__annual_rate")
    }
    fee = ZERO
    for loan_id, interest in interest_by_loan.items():
        funder_rate, loan_rate = rates.get(loan_id, (None, None))
        if funder_rate is None or not loan_rate or funder_rate >= loan_rate:
            continue
        fee += (interest * (loan_rate - funder_rate) / loan_rate).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    return fee
