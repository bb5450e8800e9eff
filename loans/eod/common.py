"""What the close's steps share: the chunk they work on, set-based writes, ledger reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.db.models import Q

from calc.daycount import parse_day_count
from calc.money import Rounding, minor_unit_for
from core.money import ZERO
from ledger.models import Account, JournalEntry, LoanAccountBalance
from loans.models import Loan

ACTOR = "eod"
OPEN = (Loan.Status.ACTIVE.value, Loan.Status.DELINQUENT.value)


@dataclass
class StepResult:
    """What a step did to its chunk: loans it changed or booked, entries it posted, and what
    it could not do but does not stop the close for (`problem`: kept on the chunk's row, shown
    in the admin's close page; the step itself retries it on a later close)."""

    loans: int = 0
    entries: int = 0
    problem: str = ""


@dataclass(frozen=True)
class Chunk:
    """The loans a step works on: ids from `first` to `last` inclusive (None: unbounded)."""

    business_date: date
    first: int | None = None
    last: int | None = None

    def bounds(self) -> tuple[int, int]:
        """(first, last) ids for SQL, unbounded ends made explicit."""
        return (
            self.first if self.first is not None else 0,
            self.last if self.last is not None else 2**63 - 1,
        )

    def loans(self, field: str = "id") -> Q:
        """Filter on the chunk's loan id range (`field` is "id" or "loan_id")."""
        query = Q()
        if self.first is not None:
            query &= Q(**{f"{field}__gte": self.first})
        if self.last is not None:
            query &= Q(**{f"{field}__lte": self.last})
        return query


@lru_cache(maxsize=64)
def rounding_for(mode: str, currency: str) -> Rounding:
    return Rounding(mode, minor_unit_for(currency))


@lru_cache(maxsize=16)
def basis_for(day_count: str) -> int:
    return parse_day_count(day_count).basis


def accounts_by_id() -> dict[int, tuple[str, bool]]:
    """Account id → (code, credit normal)."""
    return {
        pk: (code, side == Account.Side.CREDIT)
        for pk, code, side in Account.objects.values_list("id", "code", "normal_side")
    }


def loan_balances(
    *, loans: Q, codes: Iterable[str], accounts: Mapping[int, tuple[str, bool]] | None = None
) -> dict[int, dict[str, Decimal]]:
    """Current balances (normal side) per loan and account code, from the ledger's stored
    per-(account, loan) totals. `loans` filters on `loan_id`."""
    accounts = accounts if accounts is not None else accounts_by_id()
    wanted = set(codes)
    ids = [pk for pk, (code, _) in accounts.items() if code in wanted]
    out: dict[int, dict[str, Decimal]] = {}
    rows = LoanAccountBalance.objects.filter(loans, account_id__in=ids).values_list(
        "loan_id", "account_id", "debit_total", "credit_total"
    )
    for loan_id, account_id, debit, credit in rows:
        code, credit_normal = accounts[account_id]
        by_code = out.setdefault(loan_id, {})
        by_code[code] = by_code.get(code, ZERO) + (
            credit - debit if credit_normal else debit - credit
        )
    return out


def loans_lock(chunk: Chunk) -> int:
    """Lock the chunk's open loans (in id order) for the rest of the transaction.

    Everything that moves a loan's money takes its loan's row lock first (the lifecycle services
    do): a repayment arriving while a step books the loan waits for the chunk, rather than
    recognizing the same interest from a stale read."""
    return len(
        Loan.objects.filter(chunk.loans(), status__in=OPEN)
        .order_by("id")
        .select_for_update()
        .values_list("id", flat=True)
    )


def posted_keys(keys: Sequence[str]) -> set[str]:
    """The idempotency keys among `keys` already posted (steps that add to a running figure
    check them so that a step run twice adds nothing twice)."""
    if not keys:
        return set()
    return set(
        JournalEntry.objects.filter(idempotency_key__in=list(keys)).values_list(
            "idempotency_key", flat=True
        )
    )
