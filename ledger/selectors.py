"""Reads of the books: balances at any business date and the trial balance."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Q, Sum

from core.db import fetch_prepared
from core.money import ZERO

from .deferred import entries_written
from .models import Account, JournalLine, LoanAccountBalance, LoanOpening, MonthOpening

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
    if not isinstance(amount, Decimal):  # a raw cursor's sum is a float there
        amount = Decimal(str(amount))
    return amount.quantize(CENT)


def _up_to(as_of: date | None) -> Q:
    return Q() if as_of is None else Q(business_date__lte=as_of)


@dataclass(frozen=True)
class _Window:
    """Where a read of the books at a date starts. `month`: the latest month up to the date
    whose openings are kept (the totals of every line before it), so that only lines from its
    first day are summed; None: every line is summed. `archived`: the date is before the
    archive's horizon, so those lines are read from the archive schema."""

    month: date | None = None
    archived: bool = False


def _journal_state() -> tuple[bool, bool]:
    """(monthly openings are kept, months are archived), from the catalog only: the readers
    also serve a database migrated back before 0006, which has neither table."""
    if connection.vendor != "postgresql":
        return False, False  # one plain table, no openings (ledger.partitions)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass('ledger_journalmonth') IS NOT NULL,"
            " EXISTS (SELECT 1 FROM pg_inherits"
            "          WHERE inhparent = to_regclass('ledger_archive.journalline'))"
        )
        return cursor.fetchone()


def _window(as_of: date | None) -> _Window:
    kept, archived = _journal_state()
    if not kept:
        return _Window()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT max(month) FROM ledger_journalmonth"
            "         WHERE %s::date IS NULL OR month <= %s::date),"
            "       (SELECT max(before) FROM ledger_journalarchive)",
            [as_of, as_of],
        )
        month, horizon = cursor.fetchone()
    return _Window(
        month, archived and as_of is not None and horizon is not None and as_of < horizon
    )


def _archive_horizon() -> date:
    """The first day not archived (call only once months are archived)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(before) FROM ledger_journalarchive")
        return cursor.fetchone()[0]


def _add(sums: dict[int, list[Decimal]], rows) -> None:
    for key, debit, credit in rows:
        total = sums.setdefault(key, [ZERO, ZERO])
        total[0] += _exact(debit or ZERO)
        total[1] += _exact(credit or ZERO)


def _account_sums(as_of: date | None, account_id: int | None = None) -> dict[int, list[Decimal]]:
    """Per account: debit and credit totals of every line up to a business date. On PostgreSQL
    a month's openings plus that month's lines: partition pruning leaves one partition to scan."""
    window = _window(as_of)
    sums: dict[int, list[Decimal]] = {}
    if window.month is not None:
        openings = MonthOpening.objects.filter(month=window.month)
        if account_id is not None:
            openings = openings.filter(account_id=account_id)
        _add(sums, openings.values_list("account_id", "debit_total", "credit_total"))
    if window.archived:
        _add(sums, _archived_sums("account_id", window.month, as_of, account_id=account_id))
        return sums
    lines = JournalLine.objects.filter(_up_to(as_of))
    if window.month is not None:
        lines = lines.filter(business_date__gte=window.month)
    if account_id is not None:
        lines = lines.filter(account_id=account_id)
    _add(
        sums,
        lines.values("account_id")
        .annotate(debit=Sum("debit"), credit=Sum("credit"))
        .values_list("account_id", "debit", "credit"),
    )
    return sums


def _archived_sums(
    key: str,
    since: date | None,
    as_of: date,
    *,
    account_id: int | None = None,
    loan_id: int | None = None,
):
    """Totals per `key` of archived lines from `since` (or the first) up to `as_of`."""
    where, params = ["business_date <= %s"], [as_of]
    for column, value in (("business_date >=", since), ("account_id =", account_id)):
        if value is not None:
            where.append(f"{column} %s")
            params.append(value)
    if loan_id is not None:
        where.append("loan_id = %s")
        params.append(loan_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key}, sum(debit), sum(credit) FROM ledger_archive.journalline"
            f" WHERE {' AND '.join(where)} GROUP BY {key}",
            params,
        )
        return cursor.fetchall()


def account_balance(*, code: str, currency: str = "CNY", as_of: date | None = None) -> Decimal:
    """An account's balance on its normal side, from its lines up to a business date."""
    account = Account.objects.get(code=code, currency=currency)
    debit, credit = _account_sums(as_of, account.id).get(account.id, (ZERO, ZERO))
    return account.signed(debit, credit)


def loan_balances(
    *,
    loan_id: int,
    as_of: date | None = None,
    currency: str = "CNY",
    codes: Collection[str] | None = None,
) -> dict[str, Decimal]:
    """A loan's balance per account code (normal side), income and expense included (or only
    the accounts ``codes`` names). Current balance-sheet balances come from the stored rows; the
    rest is summed from the loan's lines, plus, once months are archived, the totals of its
    archived lines (`LoanOpening`). Current balances of stored accounts alone are one query."""
    entries_written(loan_id)
    accounts_query = Account.objects.filter(currency=currency)
    if codes is not None:
        accounts_query = accounts_query.filter(code__in=list(codes))
    accounts = {a.id: a for a in accounts_query}
    sums: dict[int, list[Decimal]] = {}
    derived = list(accounts)
    archived = False
    if as_of is None:
        _add(
            sums,
            LoanAccountBalance.objects.filter(loan_id=loan_id, account_id__in=accounts).values_list(
                "account_id", "debit_total", "credit_total"
            ),
        )
        derived = [pk for pk, account in accounts.items() if not account.keeps_loan_balances]
        archived = bool(derived) and _journal_state()[1]
    elif (archived := _journal_state()[1]) and as_of < _archive_horizon():
        _add(sums, _archived_sums("account_id", None, as_of, loan_id=loan_id))
        derived = []
    if derived:
        _add(
            sums,
            JournalLine.objects.filter(_up_to(as_of), loan_id=loan_id, account_id__in=derived)
            .values("account_id")
            .annotate(debit=Sum("debit"), credit=Sum("credit"))
            .values_list("account_id", "debit", "credit"),
        )
        if archived:
            _add(
                sums,
                LoanOpening.objects.filter(loan_id=loan_id, account_id__in=derived).values_list(
                    "account_id", "debit_total", "credit_total"
                ),
            )
    return {
        accounts[account_id].code: accounts[account_id].signed(debit, credit)
        for account_id, (debit, credit) in sums.items()
        if account_id in accounts
    }


def loan_stored_balances(
    *, loan_id: int, codes: Collection[str], currency: str = "CNY"
) -> dict[str, Decimal]:
    """A loan's current balances (normal side) on the balance-sheet accounts of ``codes``, from
    the stored rows in one query: for the hot reads of a loan. Income and expense accounts keep
    no stored loan balances: their codes come back absent (``loan_balances`` sums them)."""
    if connection.vendor == "postgresql":
        return stored_balances_from_rows(
            fetch_prepared(*loan_stored_balances_statement(loan_id=loan_id, codes=codes)),
            currency=currency,
        )
    rows = LoanAccountBalance.objects.filter(
        loan_id=loan_id, account__code__in=list(codes), account__currency=currency
    ).values_list(
        "account__code", "account__currency", "account__normal_side", "debit_total", "credit_total"
    )
    return stored_balances_from_rows(rows, currency=currency)


def loan_stored_balances_statement(
    *, loan_id: int, codes: Collection[str]
) -> tuple[str, list[object]]:
    """The PostgreSQL statement behind `loan_stored_balances`, for a caller that sends it with
    others in one round trip (`core.db.fetch_pipelined`); its rows go to
    `stored_balances_from_rows`, which keeps the loan's currency."""
    sql = (
        f"SELECT a.code, a.currency, a.normal_side, b.debit_total, b.credit_total"
        f" FROM {LoanAccountBalance._meta.db_table} b"
        f" JOIN {Account._meta.db_table} a ON a.id = b.account_id"
        f" WHERE b.loan_id = %s AND a.code = ANY(%s)"
    )
    return sql, [loan_id, list(codes)]


def stored_balances_from_rows(rows, *, currency: str) -> dict[str, Decimal]:
    """(code, currency, normal side, debit total, credit total) rows as balances by code, on
    the accounts of ``currency`` only."""
    return {
        code: Account(normal_side=normal_side).signed(debit, credit)
        for code, row_currency, normal_side, debit, credit in rows
        if row_currency == currency
    }


_funder_views: list = []


def funder_trial_balance_register(view) -> None:
    """The app that keeps funders (above this one) offers its per-funder trial balance here:
    ``view(code=…, as_of=…) -> TrialBalance``; the ledger knows no funders itself."""
    if view not in _funder_views:
        _funder_views.append(view)


def funder_trial_balance(*, code: str, as_of: date | None = None) -> TrialBalance:
    if not _funder_views:
        raise LookupError("No app keeps funders: a trial balance per funder is not available.")
    return _funder_views[0](code=code, as_of=as_of)


def trial_balance(*, as_of: date | None = None) -> TrialBalance:
    sums = _account_sums(as_of)
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
    the lines (with the totals of archived lines), or a stored row exists for an account that
    keeps none (income, expense)."""
    stored = [
        pk
        for pk, kind in Account.objects.values_list("id", "type")
        if kind in Account.STORED_BALANCE_TYPES
    ]
    carried = (
        """UNION ALL
                                 SELECT loan_id, account_id, debit_total, credit_total
                                   FROM ledger_loanopening"""
        if _journal_state()[1]
        else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT b.loan_id, b.account_id, b.debit_total - b.credit_total,
                   coalesce(l.debit, 0) - coalesce(l.credit, 0)
              FROM ledger_loanaccountbalance b
              FULL JOIN (SELECT loan_id, account_id, sum(debit) AS debit, sum(credit) AS credit
                           FROM (SELECT loan_id, account_id, debit, credit
                                   FROM ledger_journalline
                                  WHERE loan_id IS NOT NULL
                                 {carried}) t
                          WHERE account_id IN ({", ".join(str(int(pk)) for pk in stored) or "NULL"})
                          GROUP BY loan_id, account_id) l
                ON l.loan_id = b.loan_id AND l.account_id = b.account_id
             WHERE coalesce(b.debit_total - b.credit_total, 0)
                   <> coalesce(l.debit, 0) - coalesce(l.credit, 0)
                OR l.loan_id IS NULL
            """
        )
        return cursor.fetchall()


@dataclass(frozen=True)
class KindTotal:
    """Debit and credit totals of a loan's lines on one account from entries of one kind."""

    loan_id: int
    code: str
    kind: str
    debit: Decimal
    credit: Decimal
    last_date: date | None


JOURNAL_LINE_COLUMNS = "id, entry_id, account_id, loan_id, debit, credit, currency, business_date"


def journal_lines_sql(*, since: date | None = None) -> str:
    """The SQL relation (to use as ``FROM … alias``) holding every journal line a reader of the
    lines from `since` on (None: from the first) needs: the live journal, and the archive's lines
    too when archived months fall in that range. For readers that need the lines themselves (an
    entry's kind, a month's movements), which the openings kept at archiving cannot give."""
    if not _journal_state()[1] or (since is not None and since >= _archive_horizon()):
        return "ledger_journalline"
    return (
        f"(SELECT {JOURNAL_LINE_COLUMNS} FROM ledger_journalline"
        f" UNION ALL SELECT {JOURNAL_LINE_COLUMNS} FROM ledger_archive.journalline)"
    )


def loan_kind_totals(
    *,
    loan_ids: list[int],
    codes: list[str],
    kinds: list[str] | None = None,
    as_of: date | None = None,
    currency: str | None = None,
) -> list[KindTotal]:
    """Per (loan, account, entry kind): the totals of the loans' lines, archived months included
    (a reader that needs an entry's kind cannot use the openings, which keep no kinds). `kinds`
    also matches reversals of entries of those kinds, reported under the reversed entry's kind."""
    if not loan_ids:
        return []
    where, params = [], []
    for column, values in (
        ("l.loan_id", loan_ids),
        ("a.code", codes),
        ("COALESCE(r.kind, e.kind)", kinds),
    ):
        if values is None:
            continue
        if connection.vendor == "postgresql":
            where.append(f"{column} = ANY(%s)")
            params.append(list(values))
        else:
            where.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
            params.extend(values)
    if as_of is not None:
        where.append("l.business_date <= %s")
        params.append(as_of)
    if currency is not None:
        where.append("a.currency = %s")
        params.append(currency)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT l.loan_id, a.code, COALESCE(r.kind, e.kind), sum(l.debit), sum(l.credit),
                       max(l.business_date)
                  FROM {journal_lines_sql()} l
                  JOIN ledger_account a ON a.id = l.account_id
                  JOIN ledger_journalentry e ON e.id = l.entry_id
                  LEFT JOIN ledger_journalentry r ON r.id = e.reverses_id
                 WHERE {" AND ".join(where)}
                 GROUP BY 1, 2, 3""",
            params,
        )
        return [
            KindTotal(
                loan_id,
                code,
                kind,
                _exact(debit),
                _exact(credit),
                date.fromisoformat(last) if isinstance(last, str) else last,  # SQLite: text
            )
            for loan_id, code, kind, debit, credit, last in cursor.fetchall()
        ]


@dataclass(frozen=True)
class EntryTotal:
    """A loan's lines of one entry on the accounts asked for: the entry's own kind and date."""

    entry_id: int
    kind: str
    business_date: date
    debit: Decimal
    credit: Decimal


def loan_entry_totals(
    *, loan_id: int, codes: list[str], kinds: list[str], as_of: date
) -> list[EntryTotal]:
    """Per entry of one of `kinds` up to `as_of`: the totals of the loan's lines on `codes`,
    archived months included, in posting order (a borrower's statement lists them)."""
    codes_in = ", ".join(["%s"] * len(codes))
    kinds_in = ", ".join(["%s"] * len(kinds))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT l.entry_id, e.kind, l.business_date, sum(l.debit), sum(l.credit)
                  FROM {journal_lines_sql()} l
                  JOIN ledger_account a ON a.id = l.account_id
                  JOIN ledger_journalentry e ON e.id = l.entry_id
                 WHERE l.loan_id = %s AND a.code IN ({codes_in}) AND e.kind IN ({kinds_in})
                   AND l.business_date <= %s
                 GROUP BY l.entry_id, e.kind, l.business_date
                 ORDER BY l.business_date, l.entry_id""",
            [loan_id, *codes, *kinds, as_of],
        )
        return [
            EntryTotal(entry_id, kind, day, _exact(debit), _exact(credit))
            for entry_id, kind, day, debit, credit in cursor.fetchall()
        ]
