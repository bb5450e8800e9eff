"""SQL the reports share: streaming cursors, the few expressions PostgreSQL and SQLite spell
differently, and the ledger accounts the reports read.

Report SQL uses named parameters (`%(as_of)s`) so that fragments compose without counting
positions; identifiers and account ids put into the text are integers or constants of ours,
never input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from django.db import connection

from ledger import chart
from ledger.models import Account

_PARAMETER = re.compile(r"%\((\w+)\)s")
FETCH_SIZE = 5_000
"""Rows per round trip from a server-side cursor: memory stays flat, round trips stay few."""


@dataclass(frozen=True)
class Sql:
    text: str
    params: dict = field(default_factory=dict)

    def with_params(self, **more) -> Sql:
        return Sql(self.text, {**self.params, **more})

    def renamed(self, suffix: str) -> Sql:
        """The same query with every parameter renamed `<name>_<suffix>`: two relations of
        different dates can then sit in one statement."""
        text = _PARAMETER.sub(lambda match: f"%({match.group(1)}_{suffix})s", self.text)
        return Sql(text, {f"{name}_{suffix}": value for name, value in self.params.items()})


def stream(query: Sql, *, fetch_size: int = FETCH_SIZE) -> Iterator[tuple]:
    """Rows of `query`, fetched `fetch_size` at a time from a server-side cursor on PostgreSQL
    (Django's own chunked cursor, as `.iterator()` uses), lazily from SQLite."""
    cursor = connection.chunked_cursor()
    try:
        if is_postgresql():
            # A cursor is planned for its first tenth of rows by default (nested loops that
            # start fast); reports read every row, so plan for all of them.
            with connection.cursor() as settings_cursor:
                settings_cursor.execute("SET cursor_tuple_fraction = 1.0")
            try:
                cursor.execute(query.text, query.params)
            finally:
                with connection.cursor() as settings_cursor:
                    settings_cursor.execute("RESET cursor_tuple_fraction")
        else:
            cursor.execute(query.text, query.params)
        while True:
            rows = cursor.fetchmany(fetch_size)
            if not rows:
                return
            yield from rows
    finally:
        cursor.close()


def fetch_all(query: Sql) -> list[tuple]:
    """Every row of a query known to return few (an aggregate)."""
    with connection.cursor() as cursor:
        cursor.execute(query.text, query.params)
        return cursor.fetchall()


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def days_between(later: str, earlier: str) -> str:
    """Whole days from `earlier` to `later` (SQL expressions of dates)."""
    if is_postgresql():
        return f"(CAST({later} AS date) - CAST({earlier} AS date))"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def year_month(expression: str) -> str:
    """'YYYY-MM' of a date expression."""
    if is_postgresql():
        return f"to_char({expression}, 'YYYY-MM')"
    return f"strftime('%%Y-%%m', {expression})"


def in_list(values, prefix: str) -> Sql:
    """`(%(prefix_0)s, …)` with its parameters: a list of values as named parameters."""
    values = list(values)
    if not values:
        return Sql("(NULL)")
    names = {f"{prefix}_{index}": value for index, value in enumerate(values)}
    return Sql("(" + ", ".join(f"%({name})s" for name in names) + ")", names)


BALANCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("principal", chart.LOANS_PRINCIPAL),
    ("interest", chart.INTEREST_RECEIVABLE),
    ("fees", chart.FEES_RECEIVABLE),
    ("penalty", chart.PENALTY_RECEIVABLE),
    ("suspense", chart.INTEREST_SUSPENSE),
    ("allowance", chart.ALLOWANCE),
)
"""Per-loan balances the reports carry (normal side), by column name."""
CREDIT_NORMAL = {chart.INTEREST_SUSPENSE, chart.ALLOWANCE}


def account_ids(currency: str, codes) -> dict[str, int]:
    """Account id per code in `currency` (missing accounts map to -1, which no line has)."""
    found = dict(
        Account.objects.filter(currency=currency, code__in=list(codes)).values_list("code", "id")
    )
    return {code: found.get(code, -1) for code in codes}


def account_sides(currency: str) -> Mapping[str, int]:
    return account_ids(currency, [code for _, code in BALANCE_COLUMNS])
