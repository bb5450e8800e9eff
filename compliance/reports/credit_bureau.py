"""The monthly credit-bureau file (征信报送): one record per account reportable in the month, with
the 24-month repayment status string. The layout, fields and status codes are documented in
`CREDIT_BUREAU.md` next to this module.

Records are sorted by account id (the loan reference) and streamed, so memory stays flat however
many accounts there are. On PostgreSQL the accounts, each with its history from `LoanMonthEnd`,
come from one query whose rows the server sends while it reads the next accounts' histories
(`core.db.stream_pushed`): the file is written while the database works. Elsewhere (the SQLite
demo) the accounts come from a cursor and their histories a chunk of accounts at a time. The same data always gives the same bytes: the file
holds no timestamp, and the trailer's SHA-256 covers the body.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.db.models import Min

from calc.money import minor_unit_for
from core.db import stream_pushed
from loans.models import Loan

from .base import (
    ZERO,
    Column,
    Report,
    ReportParams,
    ReportUnavailable,
    add_months,
    is_month_end,
    money,
    month_end,
)
from .month_end import missing_month_ends, month_state_sql, recoveries_sql
from .sql import Sql, in_list, is_postgresql, stream
from .state import Source, source_for

NAME = "credit_bureau"
TITLE = "Credit-bureau monthly file (征信报送)"
HISTORY_MONTHS = 24
CHUNK = 5_000
LAYOUT_VERSION = "02"
RECORD_LENGTH = 174
NOT_OPENED = "/"
NOT_REPORTED = "*"
COLUMNS = (
    Column("reporting_month"),
    Column("account_id"),
    Column("borrower_token"),
    Column("open_date", "date"),
    Column("currency"),
    Column("amount", "money"),
    Column("term", "int"),
    Column("balance", "money"),
    Column("amount_overdue", "money"),
    Column("days_past_due", "int"),
    Column("status"),
    Column("history"),
    Column("recovered", "money"),
)


@lru_cache(maxsize=4)
def _token_hmac(secret: str):
    key = hashlib.sha256(b"credit-bureau-token:" + secret.encode()).digest()
    return hmac.new(key, digestmod=hashlib.sha256)


def _token_key():
    return _token_hmac(getattr(settings, "CREDIT_BUREAU_TOKEN_KEY", None) or settings.SECRET_KEY)


def borrower_token(national_id_digest: str, key=None) -> str:
    """The borrower's id for the bureau: an HMAC-SHA-256 (first 32 hex digits) of the keyed
    digest of the national id (`loans.pii.digest`), so the file carries neither the id nor our
    internal look-up key, and one borrower has one token across accounts and months. The key
    is `CREDIT_BUREAU_TOKEN_KEY`, else derived from `SECRET_KEY`."""
    mac = (key or _token_key()).copy()
    mac.update(national_id_digest.encode())
    return mac.hexdigest()[:32]


def history_months(as_of: date) -> list[date]:
    """The 24 month ends the history string covers, oldest first; the last is `as_of`'s."""
    first = add_months(as_of, -(HISTORY_MONTHS - 1))
    return [month_end(add_months(first, offset)) for offset in range(HISTORY_MONTHS)]


@lru_cache(maxsize=16)
def _unit(currency: str):
    return minor_unit_for(currency)


def _minor(amount, currency: str) -> int:
    return int((amount / _unit(currency)).to_integral_value())


def _number(value: int, width: int) -> str:
    if value < 0:
        return "-" + str(-value).rjust(width - 1, "0")
    return str(value).rjust(width, "0")


def detail_record(row: tuple) -> str:
    """One account's fixed-width record (without the line feed)."""
    return _detail_writer(row[0], row[4])(row)


@lru_cache(maxsize=16)
def _detail_writer(month: str, currency: str) -> Callable[[tuple], str]:
    """`detail_record` for the records of one month's file in one currency, with what they
    share (the month, the currency, its minor unit) worked out once."""
    head = f"D{month[:4]}{month[5:7]}"
    currency_field = f"{currency:<3}"
    per_major = Decimal(1) / _unit(currency)  # exact: 100 for 0.01

    def record(row: tuple) -> str:
        (
            _,
            account,
            token,
            opened,
            _,
            amount,
            term,
            balance,
            overdue,
            dpd,
            status,
            history,
            recovered,
        ) = row
        # × minor units per major unit is `_minor`'s ÷ minor unit, exactly, and cheaper;
        # "{:0Nd}" pads as `_number` does, a minus sign first (the layout's signed numbers)
        text = (
            f"{head}{account[:32]:<32}{token:<32}"
            f"{opened.year:04d}{opened.month:02d}{opened.day:02d}{currency_field}"
            f"{int((amount * per_major).to_integral_value()):015d}{term:03d}"
            f"{int((balance * per_major).to_integral_value()):015d}"
            f"{int((overdue * per_major).to_integral_value()):015d}{min(dpd, 9999):04d}"
            f"{status}{history}{int((recovered * per_major).to_integral_value()):015d}"
        )
        assert len(text) == RECORD_LENGTH, text
        return text

    return record


def header_record(params: ReportParams) -> str:
    lender = getattr(settings, "LEDGER_LENDER", "default")
    text = (
        f"HILCB{LAYOUT_VERSION}{lender[:16].ljust(16)}{params.as_of:%Y%m}"
        f"{params.as_of:%Y%m%d}{params.currency.ljust(3)}"
    )
    return text.ljust(RECORD_LENGTH)


def trailer_record(totals: dict, currency: str) -> str:
    text = (
        f"T{_number(totals['records'], 9)}"
        f"{_number(_minor(totals['balance'], currency), 18)}"
        f"{_number(_minor(totals['amount_overdue'], currency), 18)}"
        f"{totals['body_sha256']}"
        f"{_number(_minor(totals['recovered'], currency), 18)}"
    )
    return text.ljust(RECORD_LENGTH)


def _accounts_sql(params: ReportParams) -> tuple[Sql, Source]:
    source = source_for(params.as_of, per_loan=True)
    if source is Source.MONTH_END:
        values = {
            "as_of": params.as_of,
            "currency": params.currency,
            "month_start": params.as_of.replace(day=1),
        }
        relation = """
            SELECT loan_id, principal, amount_overdue, days_past_due AS dpd, bureau_status
              FROM compliance_loanmonthend
             WHERE month_end = %(as_of)s AND currency = %(currency)s"""
    else:
        state, source = month_state_sql(params.as_of, currency=params.currency, source=source)
        values = state.params
        relation = f"""
            SELECT m.loan_id, m.principal, m.amount_overdue, m.dpd, m.bureau_status
              FROM ({state.text}) m"""
    product_filter = ""
    if params.product:
        product_filter = "WHERE p.code = %(product)s"
        values = {**values, "product": params.product}
    text = f"""
        SELECT l.id, l.reference, b.national_id_digest, l.disbursed_on, l.principal, l.term,
               r.principal, r.amount_overdue, r.dpd, r.bureau_status,
               COALESCE(rc.recovered, 0)
          FROM ({relation}) r
          JOIN loans_loan l ON l.id = r.loan_id
          JOIN loans_borrower b ON b.id = l.borrower_id
          JOIN loans_product p ON p.id = l.product_id
          LEFT JOIN ({recoveries_sql(params.currency).text}) rc ON rc.loan_id = l.id
          {product_filter}
         ORDER BY l.reference"""
    return Sql(text, values), source


def _accounts_with_histories_sql(accounts: Sql, months: list[date]) -> Sql:
    """PostgreSQL: each account's row and its history (month ends and codes, as arrays), read
    after the sort, row by row in the file's order, so the first records go out while the
    server reads the later ones' histories."""
    text = f"""
        SELECT a.*, h.days, h.codes
          FROM ({accounts.text}) a (id, reference, digest, opened, amount, term, balance,
                                   overdue, dpd, code, recovered)
          LEFT JOIN LATERAL (
               SELECT array_agg(m.month_end) AS days, array_agg(m.bureau_status) AS codes
                 FROM compliance_loanmonthend m
                WHERE m.loan_id = a.id AND m.month_end >= %(history_first)s
                  AND m.month_end <= %(history_last)s) h ON true
         ORDER BY a.reference"""
    return Sql(text, {**accounts.params, "history_first": months[0], "history_last": months[-2]})


def _check_history(params: ReportParams, months: list[date]) -> None:
    first = Loan.objects.filter(currency=params.currency, disbursed_on__isnull=False).aggregate(
        first=Min("disbursed_on")
    )["first"]
    if first is None:
        return
    earlier = [day for day in months[:-1] if day >= month_end(first)]
    if not earlier:
        return
    missing = missing_month_ends(earlier[0], earlier[-1])
    if missing:
        listed = ", ".join(day.isoformat() for day in missing[:6])
        raise ReportUnavailable(
            f"Month ends without a capture: {listed}{' …' if len(missing) > 6 else ''}. "
            "Run `manage.py month_end_capture --backfill` first."
        )


def _histories(loan_ids: list[int], months: list[date]) -> dict[int, tuple[list, list]]:
    """Per account, the month ends with a stored status and the statuses (`_History`)."""
    if is_postgresql():
        ids = Sql("= ANY(%(loans)s)", {"loans": loan_ids})
    else:
        ids = in_list(loan_ids, "loan")
        ids = Sql(f"IN {ids.text}", ids.params)
    query = Sql(
        f"""SELECT loan_id, month_end, bureau_status FROM compliance_loanmonthend
             WHERE loan_id {ids.text} AND month_end >= %(first)s AND month_end <= %(last)s""",
        {**ids.params, "first": months[0], "last": months[-2]},
    )
    out: dict[int, tuple[list, list]] = {}
    for loan_id, day, code in stream(query):
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        days, codes = out.setdefault(loan_id, ([], []))
        days.append(day)
        codes.append(code)
    return out


class _History:
    """The 24-month status string of the accounts of one file (`history_months`)."""

    def __init__(self, months: list[date]):
        self.earlier, self.first = months[:-1], months[0]
        self.since = [self.earlier[opened:] for opened in range(len(self.earlier) + 1)]

    def __call__(self, opened: date, days: list[date], codes: list[str], current: str) -> str:
        """Oldest first: `/` for the months before the account opened, each later month's
        stored status (`codes`, of the month ends `days`, in any order; `*` if none), then
        the current month's."""
        not_opened = (opened.year - self.first.year) * 12 + opened.month - self.first.month
        not_opened = min(max(not_opened, 0), len(self.earlier))
        since_opened = self.since[not_opened]
        if days == since_opened:  # a status for every month since it opened, in order
            reported = "".join(codes)
        else:
            stored = dict(zip(days, codes, strict=True))
            reported = "".join([stored.get(day, NOT_REPORTED) for day in since_opened])
        return NOT_OPENED * not_opened + reported + current


def credit_bureau_report(*, params: ReportParams) -> Report:
    months = history_months(params.as_of)
    if len(months) > 1:
        _check_history(params, months)
    query, source = _accounts_sql(params)
    report = Report(
        name=NAME,
        title=TITLE,
        params=params,
        columns=COLUMNS,
        rows=(),
        streamed=True,
        meta={
            "state_source": source.value,
            "layout_version": LAYOUT_VERSION,
            "month_complete": is_month_end(params.as_of),
            "history_from": months[0].isoformat()[:7],
        },
    )
    report.rows = _rows(report, query, months)
    return report


def _rows(report: Report, query: Sql, months: list[date]) -> Iterator[tuple]:
    params = report.params
    month = f"{params.as_of:%Y-%m}"
    body = hashlib.sha256()
    totals = {
        "records": 0,
        "balance": ZERO,
        "amount_overdue": ZERO,
        "recovered": ZERO,
        "by_status": {},
    }
    key = _token_key()
    history = _History(months)
    record_for = _detail_writer(month, params.currency)
    no_history = ([], [])

    def records(accounts: list[tuple], histories: dict[int, tuple]) -> Iterator[tuple]:
        for (
            loan_id,
            reference,
            digest,
            opened,
            amount,
            term,
            balance,
            overdue,
            dpd,
            code,
            recovered,
        ) in accounts:
            opened = opened if isinstance(opened, date) else date.fromisoformat(str(opened))
            balance, overdue, recovered = money(balance), money(overdue), money(recovered)
            row = (
                month,
                reference,
                borrower_token(digest or "", key),
                opened,
                params.currency,
                money(amount),
                int(term),
                balance,
                overdue,
                int(dpd),
                code,
                history(opened, *histories.get(loan_id, no_history), code),
                recovered,
            )
            record = record_for(row)
            if report.records is not None:
                report.records[id(row)] = record
            body.update((record + "\n").encode("ascii"))
            totals["records"] += 1
            totals["balance"] += balance
            totals["amount_overdue"] += overdue
            totals["recovered"] += recovered
            totals["by_status"][code] = totals["by_status"].get(code, 0) + 1
            yield row

    if is_postgresql():
        accounts: list[tuple] = []
        histories: dict[int, tuple] = {}
        accounts_sql = _accounts_with_histories_sql(query, months)
        for *account, days, codes in stream_pushed(
            accounts_sql.text, accounts_sql.params, jit=False
        ):
            accounts.append(account)
            if days:
                histories[account[0]] = (days, codes)
            if len(accounts) >= CHUNK:
                yield from records(accounts, histories)
                accounts, histories = [], {}
        yield from records(accounts, histories)
    else:
        chunk: list[tuple] = []
        for account in stream(query):
            chunk.append(account)
            if len(chunk) >= CHUNK:
                yield from records(chunk, _histories([row[0] for row in chunk], months))
                chunk = []
        if chunk:
            yield from records(chunk, _histories([row[0] for row in chunk], months))
    totals["by_status"] = dict(sorted(totals["by_status"].items()))
    totals["body_sha256"] = body.hexdigest()
    report.totals = totals
