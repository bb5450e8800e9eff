"""One loan's pending ledger lines and schedule changes inside a service call.

A `LoanBook` is what the money-moving services work on: the locked loan, its installments, the
lines of the entry being built (one entry per application of a payment: catch-up recognition,
collection, suspense release and overpayment in one balanced posting, one round trip) and the
rows changed, written back in one statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Max

from core.money import ZERO
from ledger import chart
from ledger.accounts import account_ids
from ledger.deferred import entries_written
from ledger.models import LoanAccountBalance
from ledger.services import EntrySpec, LineSpec, entry_post
from loans.models import Installment, Loan
from loans.posting_rules import (
    collection_lines,
    fee_lines,
    interest_lines,
    penalty_lines,
    suspense_release_lines,
)

from .loan_io import installments_write
from .schedule_rows import open_sorted, row_status

FEE = chart.FEE_INCOME


class LoanBook:
    def __init__(self, loan: Loan, *, business_date: date, rows: Iterable[Installment] = ()):
        self.loan = loan
        self.business_date = business_date
        self.rows: list[Installment] = list(rows)
        self._suspense: Decimal | None = None
        self._lines: dict[tuple[str, bool, bool], Decimal] = {}
        self._dirty: dict[int, Installment] = {}

    # Rows -------------------------------------------------------------------------------

    def open_rows(self) -> list[Installment]:
        return open_sorted(self.rows)

    def touch(self, row: Installment) -> None:
        self._dirty[id(row)] = row

    def settle_status(self, row: Installment, value_date: date) -> None:
        """Status from amounts and dates; `paid_on` is the value date that completed it."""
        if row.status == Installment.Status.CANCELLED:
            return
        status = row_status(row, self.business_date)
        if status == Installment.Status.PAID and row.status != status:
            row.paid_on = value_date
        elif status != Installment.Status.PAID:
            row.paid_on = None
        row.status = status
        self.touch(row)

    def take_changed(self) -> list[Installment]:
        """The changed rows, for the caller to write back (with what else it writes)."""
        rows = [row for row in self._dirty.values() if row.pk is not None]
        self._dirty.clear()
        return rows

    def flush(self) -> None:
        """Write the changed rows back (one UPDATE)."""
        installments_write(self.take_changed())

    def create_rows(self, rows: list[Installment]) -> list[Installment]:
        """Insert new rows (after writing the changes, so cancelled numbers are free again)."""
        self.flush()
        created = Installment.objects.bulk_create(rows)
        self.rows.extend(created)
        return created

    def next_number(self) -> int:
        self.flush()
        highest = (
            Installment.objects.filter(loan_id=self.loan.id)
            .exclude(status=Installment.Status.CANCELLED)
            .aggregate(highest=Max("number"))["highest"]
        )
        return (highest or 0) + 1

    # Lines ------------------------------------------------------------------------------

    def add(self, lines: Iterable[LineSpec]) -> None:
        """Gather lines (`loans.posting_rules`) into the entry being built."""
        for line in lines:
            debit = bool(line.debit)
            key = (line.account, debit, line.loan_id is not None)
            self._lines[key] = self._lines.get(key, ZERO) + (line.debit or line.credit)
            if line.account == chart.INTEREST_SUSPENSE and self._suspense is not None:
                self._suspense += line.credit - line.debit

    @property
    def suspense(self) -> Decimal:
        """The loan's interest in suspense (2261), read once, then kept with the lines."""
        if self._suspense is None:
            entries_written(self.loan.id)
            (account_id,) = account_ids([chart.INTEREST_SUSPENSE], self.loan.currency)
            row = (
                LoanAccountBalance.objects.filter(loan_id=self.loan.id, account_id=account_id)
                .values_list("credit_total", "debit_total")
                .first()
            )
            self._suspense = (row[0] - row[1]) if row else ZERO
            for (account, debit, _), amount in self._lines.items():
                if account == chart.INTEREST_SUSPENSE:
                    self._suspense += -amount if debit else amount
        return self._suspense

    def forget_suspense(self) -> None:
        """After entries posted outside the book (a reversal) the balance must be read again."""
        self._suspense = None

    # Recognition and collection ------------------------------------------------------------

    def recognize_interest(self, row: Installment, amount: Decimal) -> None:
        if not amount:
            return
        loan = self.loan
        suspense = self.suspense if amount < 0 else ZERO
        self.add(
            interest_lines(
                loan_id=loan.id, amount=amount, non_accrual=loan.non_accrual, suspense=suspense
            )
        )
        row.interest_accrued += amount
        self.touch(row)

    def charge_fee(self, row: Installment, amount: Decimal, *, income: str | None = None) -> None:
        if amount:
            self.add(fee_lines(loan_id=self.loan.id, amount=amount, income=income or FEE))
            row.fee_charged += amount
            self.touch(row)

    def adjust_penalty(self, row: Installment, amount: Decimal) -> None:
        if amount:
            self.add(
                penalty_lines(
                    loan_id=self.loan.id, amount=amount, non_accrual=self.loan.non_accrual
                )
            )
            row.penalty_due += amount
            self.touch(row)

    def collect(self, row: Installment, component: str, amount: Decimal) -> Decimal:
        """Apply `amount` of cash to a component of a row; returns what had to be recognized
        first (interest or a fee paid before the close recognized it)."""
        recognized = ZERO
        if component == "interest":
            recognized = max(ZERO, row.interest_paid + amount - row.interest_accrued)
            self.recognize_interest(row, recognized)
            if self.loan.non_accrual:
                # Interest collected on a non-accrual loan is income on a cash basis.
                released = min(amount, max(self.suspense, ZERO))
                if released:
                    self.add(suspense_release_lines(loan_id=self.loan.id, amount=released))
        elif component == "fee":
            recognized = max(ZERO, row.fee_paid + amount - row.fee_charged)
            self.charge_fee(row, recognized)
        if amount:
            self.add(collection_lines(loan_id=self.loan.id, component=component, amount=amount))
        setattr(row, f"{component}_paid", getattr(row, f"{component}_paid") + amount)
        self.touch(row)
        return recognized

    # Posting ----------------------------------------------------------------------------

    def has_lines(self) -> bool:
        return bool(self._lines)

    def post(self, *, kind: str, key: str, value_date: date, memo: str, actor: str) -> int | None:
        """Post the lines gathered so far as one entry (none: nothing to post)."""
        if not self._lines:
            return None
        loan_id = self.loan.id
        lines = tuple(
            LineSpec(
                account=account,
                debit=amount if debit else ZERO,
                credit=ZERO if debit else amount,
                loan_id=loan_id if per_loan else None,
            )
            for (account, debit, per_loan), amount in sorted(self._lines.items())
            if amount
        )
        self._lines = {}
        if not lines:
            return None
        spec = EntrySpec(
            kind=kind,
            business_date=self.business_date,
            value_date=value_date,
            lines=lines,
            idempotency_key=key,
            currency=self.loan.currency,
            memo=memo,
        )
        return entry_post(spec=spec, actor=actor).entry_id
