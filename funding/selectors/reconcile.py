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

from calc.money import MoneyError
from calc.split import largest_remainder, split_by_weights
from core.money import ZERO
from ledger.models import Account, JournalEntry
from ledger.selectors import journal_lines_sql, trial_balance
from ledger.services import business_date_current

from .. import accounts
from ..models import EntryFunder, Funder, LoanFunding
from .books import funder_net_by_account, partner_parts_sql
from .files import COLUMNS, HEADER, funder_file_rows


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


@dataclass
class _Rules:
    """What splitting a line needs besides the line: the loans' dated shares, the funders'
    kinds, the entries wholly one funder's, the reversals' origins, the loss accounts and
    each account's collection account (1002 of its currency)."""

    shares: dict[int, list[dict]]
    kinds: dict[int, str]
    owners: dict[int, int]
    origins: dict[int, tuple[int, date]]
    loss_ids: set[int]
    cash_of: dict[int, int]


def _rules() -> _Rules:
    shares = defaultdict(list)
    for row in LoanFunding.objects.order_by("loan_id", "valid_from").values(
        "loan_id", "funder_id", "share", "bears_losses", "valid_from", "valid_until"
    ):
        shares[row["loan_id"]].append(row)
    owners = dict(EntryFunder.objects.values_list("entry_id", "funder_id"))
    origins = reversal_origins()
    for entry_id, (origin_id, _day) in origins.items():
        if entry_id not in owners and origin_id in owners:
            owners[entry_id] = owners[origin_id]
    currencies = dict(Account.objects.values_list("id", "currency"))
    cash = dict(Account.objects.filter(code=accounts.CASH).values_list("currency", "id"))
    return _Rules(
        shares=shares,
        kinds=dict(Funder.objects.values_list("pk", "kind")),
        owners=owners,
        origins=origins,
        loss_ids=set(Account.objects.filter(code__in=accounts.LOSS).values_list("id", flat=True)),
        cash_of={pk: cash.get(currency) for pk, currency in currencies.items()},
    )


def recomputed_parts(*, funder: Funder, as_of: date) -> dict[tuple, Decimal]:
    """The funder's part of every loan line, (loan, account) → sum, recomputed in Python."""
    rules = _rules()
    out: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT l.entry_id, l.id, l.account_id, l.loan_id, l.debit - l.credit,
                      l.business_date
                 FROM {journal_lines_sql()} l WHERE l.business_date <= %s
                ORDER BY l.entry_id, l.id""",
            [as_of],
        )
        entry_lines: list = []
        current = None
        for row in cursor.fetchall():
            if row[0] != current and entry_lines:
                _entry_parts(entry_lines, funder, rules, out)
                entry_lines = []
            current = row[0]
            entry_lines.append(row)
        if entry_lines:
            _entry_parts(entry_lines, funder, rules, out)
    return {key: amount for key, amount in out.items() if amount and key[0] is not None}


def reversal_origins() -> dict[int, tuple[int, date]]:
    """Every reversal → (the entry its chain of reversals began with, that entry's date)."""
    reverses = dict(
        JournalEntry.objects.filter(reverses__isnull=False).values_list("id", "reverses_id")
    )
    roots = {}
    for entry_id, parent in reverses.items():
        while parent in reverses:
            parent = reverses[parent]
        roots[entry_id] = parent
    dates = dict(
        JournalEntry.objects.filter(pk__in=set(roots.values())).values_list("id", "business_date")
    )
    return {entry_id: (root, dates[root]) for entry_id, root in roots.items()}


def _entry_parts(lines, funder, rules: _Rules, out) -> None:
    entry_id = lines[0][0]
    loans = {line[3] for line in lines if line[3] is not None}
    owner = rules.owners.get(entry_id)
    if owner is not None:
        if owner == funder.pk:
            for _, _, account, loan, amount, _ in lines:
                out[(loan, account)] += amount
        return
    if len(loans) != 1:
        if funder.is_platform:
            for _, _, account, loan, amount, _ in lines:
                out[(loan, account)] += amount
        return
    loan_id = next(iter(loans))
    day = rules.origins[entry_id][1] if entry_id in rules.origins else lines[0][5]
    valid = [
        row
        for row in rules.shares.get(loan_id, [])
        if row["valid_from"] <= day and (row["valid_until"] is None or day < row["valid_until"])
    ]
    if not valid:
        if funder.is_platform:
            for _, _, account, _loan, amount, _ in lines:
                out[(loan_id if _loan is not None else None, account)] += amount
        return
    valid.sort(key=lambda row: (rules.kinds[row["funder_id"]] != "platform", row["funder_id"]))
    funders = [row["funder_id"] for row in valid]
    if funder.pk not in funders:
        return
    index = funders.index(funder.pk)
    shares = [row["share"] for row in valid]
    bearing = [row["share"] if row["bears_losses"] else ZERO for row in valid]
    moves_loss = not all(row["bears_losses"] for row in valid)
    loss_split = moves_loss and sum(bearing, ZERO) > ZERO
    try:
        parts = [
            split_by_weights(amount, bearing)[index]
            if loss_split and account in rules.loss_ids
            else largest_remainder(amount, shares)[index]
            for _, _, account, _, amount, _ in lines
        ]
    except MoneyError as exc:
        # Shares that do not make the whole loan (written around the services): no part of
        # it can be right; the reconcile reports it on the loan.
        out[(loan_id, f"shares on {day}: {exc}")] += 1
        return
    left = sum(parts, ZERO)
    if moves_loss:
        # The loss another funder bears (and the rounding) settled on the collection account.
        if left:
            out[(loan_id, rules.cash_of[lines[0][2]])] -= left
    else:
        largest = min(range(len(lines)), key=lambda i: (-abs(lines[i][4]), lines[i][1]))
        parts[largest] -= left
    for (_, _, account, loan, _, _), part in zip(lines, parts, strict=True):
        out[(loan, account)] += part


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
