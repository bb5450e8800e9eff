"""The funders' parts of the journal's lines, split in Python with the pure splitter: what
`books.partner_parts_sql` derives in one PostgreSQL statement, line by line, by the same rules
(the largest remainder, each entry's rounding on its largest line, a reversal split as its
origin, the entries wholly one funder's, the losses moved to the funders that bear them). The
reconcile recomputes the books with it on PostgreSQL; on SQLite (`make run`'s demo) it is the
books."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from calc.money import MoneyError
from calc.split import largest_remainder, split_by_weights
from core.money import CENT, ZERO
from ledger.models import Account, JournalEntry
from ledger.selectors import journal_lines_sql

from .. import accounts
from ..models import EntryFunder, Funder, LoanFunding


def derived_in_sql() -> bool:
    """Whether the books are derived by the SQL (PostgreSQL) or by this module (SQLite)."""
    return connection.vendor == "postgresql"


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


def split_rules() -> _Rules:
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


def entry_split(lines, funder, rules: _Rules) -> list[tuple[int | None, int | str, Decimal]]:
    """The funder's part of one entry's lines (entry, line, account, loan, amount, date):
    (loan, account, amount) rows; an account that is text names shares that cannot split."""
    out: list[tuple[int | None, int | str, Decimal]] = []
    _entry_parts(lines, funder, rules, out)
    return out


def _entry_parts(lines, funder, rules: _Rules, out) -> None:
    entry_id = lines[0][0]
    loans = {line[3] for line in lines if line[3] is not None}
    owner = rules.owners.get(entry_id)
    if owner is not None:
        if owner == funder.pk:
            for _, _, account, loan, amount, _ in lines:
                out.append((loan, account, amount))
        return
    if len(loans) != 1:
        if funder.is_platform:
            for _, _, account, loan, amount, _ in lines:
                out.append((loan, account, amount))
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
                out.append((loan_id if _loan is not None else None, account, amount))
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
        out.append((loan_id, f"shares on {day}: {exc}", Decimal(1)))
        return
    left = sum(parts, ZERO)
    if moves_loss:
        # The loss another funder bears (and the rounding) settled on the collection account.
        if left:
            out.append((loan_id, rules.cash_of[lines[0][2]], -left))
    else:
        largest = min(range(len(lines)), key=lambda i: (-abs(lines[i][4]), lines[i][1]))
        parts[largest] -= left
    for (_, _, account, loan, _, _), part in zip(lines, parts, strict=True):
        out.append((loan, account, part))


def _money(value) -> Decimal:
    """A money column as read: a Decimal on PostgreSQL, a number SQLite stored."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(CENT)


def entries_lines(*, as_of: date | None = None, on: date | None = None) -> Iterator[list[tuple]]:
    """The journal's lines (archived months included), entry by entry in posting order: (entry,
    line, account, loan, debit less credit, business date)."""
    where, params = [], []
    if as_of is not None:
        where.append("l.business_date <= %s")
        params.append(as_of)
    if on is not None:
        where.append("l.business_date = %s")
        params.append(on)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT l.entry_id, l.id, l.account_id, l.loan_id, l.debit, l.credit,
                       l.business_date
                  FROM {journal_lines_sql(since=on)} l
                 {"WHERE " + " AND ".join(where) if where else ""}
                 ORDER BY l.entry_id, l.id""",
            params,
        )
        lines: list[tuple] = []
        for entry_id, line_id, account_id, loan_id, debit, credit, day in cursor.fetchall():
            if lines and lines[0][0] != entry_id:
                yield lines
                lines = []
            if isinstance(day, str):
                day = date.fromisoformat(day)
            lines.append(
                (entry_id, line_id, account_id, loan_id, _money(debit) - _money(credit), day)
            )
        if lines:
            yield lines


def parts_rows(
    *,
    funder_ids: Sequence[int],
    as_of: date | None = None,
    on: date | None = None,
    loan_ids: Sequence[int] | None = None,
) -> list[tuple[int, int | None, int, int, Decimal]]:
    """(funder, loan, entry, account, amount) as `partner_parts_sql` yields them, in Python."""
    rules = split_rules()
    funders = list(Funder.objects.filter(pk__in=list(funder_ids)))
    wanted = None if loan_ids is None else set(loan_ids)
    rows = []
    for lines in entries_lines(as_of=as_of, on=on):
        for funder in funders:
            for loan, account, amount in entry_split(lines, funder, rules):
                if isinstance(account, str) or (wanted is not None and loan not in wanted):
                    continue
                rows.append((funder.pk, loan, lines[0][0], account, amount))
    return rows
