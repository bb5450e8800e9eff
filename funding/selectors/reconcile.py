"""`manage.py reconcile --funder CODE`: a funder's books proved three ways.

1. Its trial balance nets to zero.
2. Its part of every line, recomputed here line by line in Python with the pure splitter
   (`calc.split.largest_remainder`, the rounding settled on each entry's largest line), equals
   the books the database derives (`partner_parts_sql`), loan by loan and account by account.
3. Its month-end file (`funder_file_rows`) equals its books: every loan's balances in the file
   are the recomputed ones, and no loan is missing or extra.
And across the funders, the sum of their books is the whole journal, account by account, once
the claims between them (1221 / 2203) are eliminated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from core.money import ZERO
from ledger.models import Account
from ledger.selectors import journal_lines_sql, trial_balance
from ledger.services import business_date_current

from .. import accounts
from ..models import Funder
from .books import funder_net_by_account, partner_parts_sql
from .files import COLUMNS, HEADER, funder_file_rows
from .split_lines import derived_in_sql, entries_lines, entry_split, parts_rows, split_rules


@dataclass(frozen=True)
class FunderMismatch:
    funder: str
    check: str
    what: str
    expected: Decimal | str
    found: Decimal | str

    def __str__(self) -> str:
        return (
            f"{self.funder} {self.check}: {self.what}: expected {self.expected}, found {self.found}"
        )


def funder_reconcile(*, code: str, as_of: date | None = None) -> list[FunderMismatch]:
    try:
        funder = Funder.objects.get(code=code)
    except Funder.DoesNotExist as exc:
        raise LookupError(f"No funder {code!r}.") from exc
    as_of = as_of or business_date_current()
    out: list[FunderMismatch] = []
    names = dict(Account.objects.values_list("id", "code"))
    net = funder_net_by_account(funder=funder, as_of=as_of)
    total = sum(net.values(), ZERO)
    if total:
        out.append(FunderMismatch(code, "trial balance", "debits less credits", ZERO, total))
    recomputed = recomputed_parts(funder=funder, as_of=as_of)
    derived = _derived_parts(funder, as_of)
    for key in sorted(set(recomputed) | set(derived), key=str):
        if recomputed.get(key, ZERO) != derived.get(key, ZERO):
            loan_id, account_id = key
            out.append(
                FunderMismatch(
                    code,
                    "books",
                    f"loan {loan_id} account {names.get(account_id, account_id)}",
                    recomputed.get(key, ZERO),
                    derived.get(key, ZERO),
                )
            )
    out.extend(_file_check(funder, as_of, recomputed, names))
    out.extend(funders_sum_to_whole(as_of=as_of))
    return out


def _derived_parts(funder: Funder, as_of: date) -> dict[tuple, Decimal]:
    """The database's books per (loan, account) for the funder's loan lines (a partner)."""
    if funder.is_platform:
        return _platform_from_whole(as_of)
    if not derived_in_sql():
        return _summed(parts_rows(funder_ids=[funder.pk], as_of=as_of))
    sql, params = partner_parts_sql(funder_ids=[funder.pk], as_of=as_of)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT loan_id, account_id, sum(amount) FROM ({sql}) p"
            " WHERE loan_id IS NOT NULL GROUP BY 1, 2",
            params,
        )
        return {(loan, account): amount for loan, account, amount in cursor.fetchall() if amount}


def _platform_from_whole(as_of: date) -> dict[tuple, Decimal]:
    partners = list(Funder.objects.exclude(kind=Funder.Kind.PLATFORM).values_list("pk", flat=True))
    out: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    if not derived_in_sql():
        for lines in entries_lines(as_of=as_of):
            for _entry, _line, account, loan, amount, _day in lines:
                if loan is not None:
                    out[(loan, account)] += amount
        for (loan, account), amount in _summed(
            parts_rows(funder_ids=partners, as_of=as_of)
        ).items():
            out[(loan, account)] -= amount
        return {key: amount for key, amount in out.items() if amount}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT loan_id, account_id, sum(debit - credit) FROM"
            f" {journal_lines_sql()} l"
            " WHERE loan_id IS NOT NULL AND business_date <= %s GROUP BY 1, 2",
            [as_of],
        )
        for loan, account, amount in cursor.fetchall():
            out[(loan, account)] += amount
        if partners:
            sql, params = partner_parts_sql(funder_ids=partners, as_of=as_of)
            cursor.execute(
                f"SELECT loan_id, account_id, sum(amount) FROM ({sql}) p"
                " WHERE loan_id IS NOT NULL GROUP BY 1, 2",
                params,
            )
            for loan, account, amount in cursor.fetchall():
                out[(loan, account)] -= amount
    return {key: amount for key, amount in out.items() if amount}


def _summed(rows) -> dict[tuple, Decimal]:
    """(funder, loan, entry, account, amount) rows summed per (loan, account) of a loan."""
    out: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for _funder, loan, _entry, account, amount in rows:
        if loan is not None:
            out[(loan, account)] += amount
    return {key: amount for key, amount in out.items() if amount}


def recomputed_parts(*, funder: Funder, as_of: date) -> dict[tuple, Decimal]:
    """The funder's part of every loan line, (loan, account) → sum, recomputed in Python."""
    out: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    rules = split_rules()
    for lines in entries_lines(as_of=as_of):
        for loan, account, amount in entry_split(lines, funder, rules):
            out[(loan, account)] += amount
    return {key: amount for key, amount in out.items() if amount and key[0] is not None}


def _file_check(funder, as_of, recomputed, names) -> list[FunderMismatch]:
    by_code = {code: None for code in COLUMNS.values()}
    ids = {code: pk for pk, code in names.items() if code in by_code}
    expected: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for (loan_id, account_id), amount in recomputed.items():
        code = names.get(account_id)
        if code in by_code:
            expected[loan_id][code] = amount
    out = []
    seen = set()
    rows = funder_file_rows(funder=funder, as_of=as_of)
    header = next(rows)
    assert header == HEADER
    for row in rows:
        loan_id = int(row[0])
        seen.add(loan_id)
        for column, code in COLUMNS.items():
            value = Decimal(row[HEADER.index(column)])
            book = expected.get(loan_id, {}).get(code, ZERO)
            if code in (accounts.chart.INTEREST_SUSPENSE, accounts.chart.ALLOWANCE):
                book = -book
            if value != book:
                out.append(
                    FunderMismatch(funder.code, "file", f"loan {loan_id} {column}", book, value)
                )
    for loan_id, balances in expected.items():
        if loan_id not in seen and any(balances.values()):
            out.append(FunderMismatch(funder.code, "file", f"loan {loan_id}", "a row", "none"))
    _ = ids
    return out


def funders_sum_to_whole(*, as_of: date) -> list[FunderMismatch]:
    """Every account of the whole journal equals the sum of the funders' books, the claims
    between funders (1221, 2203) eliminated (they must sum to nothing)."""
    names = dict(Account.objects.values_list("id", "code"))
    summed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for funder in Funder.objects.all():
        for account_id, amount in funder_net_by_account(funder=funder, as_of=as_of).items():
            summed[account_id] += amount
    whole = {
        pk: row.debit - row.credit
        for pk, row in zip(
            Account.objects.order_by("currency", "code").values_list("id", flat=True),
            trial_balance(as_of=as_of).rows,
            strict=True,
        )
    }
    out = []
    claims = {
        pk
        for pk, code in names.items()
        if code in (accounts.DUE_FROM_PLATFORM, accounts.PAYABLE_TO_PARTNERS)
    }
    claim_total = sum((summed.get(pk, ZERO) for pk in claims), ZERO)
    if claim_total:
        out.append(FunderMismatch("*", "sum over funders", "1221 + 2203", ZERO, claim_total))
    for account_id in set(summed) | set(whole):
        if account_id in claims:
            continue
        if summed.get(account_id, ZERO) != whole.get(account_id, ZERO):
            out.append(
                FunderMismatch(
                    "*",
                    "sum over funders",
                    f"account {names.get(account_id)}",
                    whole.get(account_id, ZERO),
                    summed.get(account_id, ZERO),
                )
            )
    return out
