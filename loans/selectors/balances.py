"""A loan's contract outstanding per component, from its schedule and repayments (not the
ledger: reconciliation compares the two)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from core.money import ZERO
from loans.models import Installment, Loan, Repayment

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Outstanding:
    """What the borrower owes per component (recognized interest and charged fees only: what
    the close has not yet accrued is not owed yet), and what the lender holds for them."""

    principal: Decimal = ZERO
    interest: Decimal = ZERO
    fees: Decimal = ZERO
    penalties: Decimal = ZERO
    overpayment: Decimal = ZERO

    @property
    def owed(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalties


_CONTRACT_SQL = f"""
SELECT COALESCE(i.loan_id, r.loan_id), i.principal, i.interest, i.fees, i.penalties,
       r.overpayment
  FROM (SELECT loan_id,
               SUM(principal_due - principal_paid) AS principal,
               SUM(interest_accrued - interest_paid) AS interest,
               SUM(fee_charged - fee_paid) AS fees,
               SUM(penalty_due - penalty_paid) AS penalties
          FROM {Installment._meta.db_table}
         WHERE status <> %s {{installment_filter}}
         GROUP BY loan_id) i
  FULL OUTER JOIN
       (SELECT loan_id, SUM(overpayment) AS overpayment
          FROM {Repayment._meta.db_table}
         WHERE status = %s {{repayment_filter}}
         GROUP BY loan_id) r
    ON r.loan_id = i.loan_id
"""


def _decimal(value) -> Decimal:
    if value is None:
        return ZERO
    if isinstance(value, float):
        # SQLite (the demo) sums decimals as binary floats: back to the minor unit.
        return Decimal(repr(value)).quantize(CENT)
    return Decimal(value)


def loans_outstanding(*, loan_ids: Iterable[int] | None = None) -> dict[int, Outstanding]:
    """Every loan's outstanding (or those of `loan_ids`), set-based: one query."""
    params: list[object] = [Installment.Status.CANCELLED]
    installment_filter = repayment_filter = ""
    ids = None if loan_ids is None else [int(pk) for pk in loan_ids]
    if ids is not None:
        if not ids:
            return {}
        marks = ", ".join(["%s"] * len(ids))
        installment_filter = f"AND loan_id IN ({marks})"
        repayment_filter = f"AND loan_id IN ({marks})"
        params += ids
    params.append(Repayment.Status.POSTED)
    if ids is not None:
        params += ids
    sql = _CONTRACT_SQL.format(
        installment_filter=installment_filter, repayment_filter=repayment_filter
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            loan_id: Outstanding(*(_decimal(value) for value in values))
            for loan_id, *values in cursor.fetchall()
        }


def loan_outstanding(*, loan: Loan) -> Outstanding:
    return loans_outstanding(loan_ids=[loan.pk]).get(loan.pk, Outstanding())
