"""The month-end loan-level file a funder expects: every loan it holds a share of, its share,
its part of the loan's balances, days past due and the five-category classification. CSV,
streamed; the balances are the funder's books (`partner_parts_sql`), one statement."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from django.db import connection

from core.money import ZERO
from ledger import chart
from ledger.models import Account
from ledger.selectors import journal_lines_sql
from loans.models import Loan

from ..models import Funder, LoanFunding
from .split_lines import derived_in_sql, entries_lines, parts_rows

COLUMNS = {
    "principal": chart.LOANS_PRINCIPAL,
    "interest": chart.INTEREST_RECEIVABLE,
    "fees": chart.FEES_RECEIVABLE,
    "penalties": chart.PENALTY_RECEIVABLE,
    "interest_in_suspense": chart.INTEREST_SUSPENSE,
    "allowance": chart.ALLOWANCE,
}
HEADER = ["loan", "reference", "share", *COLUMNS, "days_past_due", "classification", "status"]
FETCH = 5_000
CREDIT_NORMAL = (chart.INTEREST_SUSPENSE, chart.ALLOWANCE)


def _balances_sql(funder: Funder, as_of: date) -> tuple[str, list]:
    """(loan_id, code, balance debit-positive) of the funder's part of its loans."""
    from .books import partner_parts_sql

    codes = list(COLUMNS.values())
    if not funder.is_platform:
        sql, params = partner_parts_sql(funder_ids=[funder.pk], as_of=as_of)
        return (
            f"""SELECT p.loan_id, a.code, sum(p.amount) AS amount FROM ({sql}) p
                  JOIN ledger_account a ON a.id = p.account_id
                 WHERE p.loan_id IS NOT NULL AND a.code = ANY(%s) GROUP BY 1, 2""",
            [*params, codes],
        )
    partners = list(Funder.objects.exclude(pk=funder.pk).values_list("pk", flat=True)) or [0]
    sql, params = partner_parts_sql(funder_ids=partners, as_of=as_of)
    return (
        f"""SELECT loan_id, code, sum(amount) AS amount FROM (
              SELECT l.loan_id, a.code, l.debit - l.credit AS amount
                FROM {journal_lines_sql()} l JOIN ledger_account a ON a.id = l.account_id
               WHERE l.loan_id IS NOT NULL AND a.code = ANY(%s) AND l.business_date <= %s
              UNION ALL
              SELECT p.loan_id, a.code, -p.amount FROM ({sql}) p
                JOIN ledger_account a ON a.id = p.account_id
               WHERE p.loan_id IS NOT NULL AND a.code = ANY(%s)) t
            GROUP BY 1, 2""",
        [codes, as_of, *params, codes],
    )


def funder_file_rows(*, funder: Funder, as_of: date) -> Iterator[list[str]]:
    """The file's rows (header first), loan by loan in id order. A loan is in the file when
    the funder holds a share of it on ``as_of`` (the platform: of every loan without a partner
    holding all of it) or still holds a balance of it."""
    if not derived_in_sql():
        yield from _file_rows_python(funder, as_of)
        return
    balances_sql, params = _balances_sql(funder, as_of)
    share_sql = """coalesce((SELECT sum(f.share) FROM funding_loanfunding f
                      WHERE f.loan_id = ln.id AND f.funder_id = %s AND f.valid_from <= %s
                        AND (f.valid_until IS NULL OR f.valid_until > %s)),
                    CASE WHEN EXISTS (SELECT 1 FROM funding_loanfunding f2
                                       WHERE f2.loan_id = ln.id AND f2.valid_from <= %s
                                         AND (f2.valid_until IS NULL OR f2.valid_until > %s))
                         OR NOT %s THEN 0 ELSE 1 END)"""
    pivot = ", ".join(
        f"coalesce(sum(b.amount) FILTER (WHERE b.code = '{code}'), 0)" for code in COLUMNS.values()
    )
    sql = f"""
        WITH b AS ({balances_sql})
        SELECT ln.id, ln.reference, {share_sql} AS share, {pivot},
               ln.days_past_due, ln.risk_category, ln.status
          FROM loans_loan ln
          LEFT JOIN b ON b.loan_id = ln.id
         WHERE ln.disbursed_on IS NOT NULL AND ln.disbursed_on <= %s
         GROUP BY ln.id
        HAVING {share_sql} > 0 OR bool_or(b.amount <> 0)
         ORDER BY ln.id"""
    share_params = [funder.pk, as_of, as_of, as_of, as_of, funder.is_platform]
    yield HEADER
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *share_params, as_of, *share_params])
        while rows := cursor.fetchmany(FETCH):
            for row in rows:
                loan_id, reference, share, *amounts, dpd, category, status = row
                signed = [
                    amount if code not in (chart.INTEREST_SUSPENSE, chart.ALLOWANCE) else -amount
                    for code, amount in zip(COLUMNS.values(), amounts, strict=True)
                ]
                yield [
                    str(loan_id),
                    reference,
                    f"{share:.6f}",
                    *(f"{amount:.2f}" for amount in signed),
                    str(dpd),
                    category,
                    status,
                ]


def _file_rows_python(funder: Funder, as_of: date) -> Iterator[list[str]]:
    """The same file from the books split in Python (SQLite)."""
    codes = dict(Account.objects.filter(code__in=COLUMNS.values()).values_list("id", "code"))
    balances: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    partners = (
        list(Funder.objects.exclude(pk=funder.pk).values_list("pk", flat=True))
        if funder.is_platform
        else [funder.pk]
    )
    sign = -1 if funder.is_platform else 1
    for _funder, loan_id, _entry, account_id, amount in parts_rows(
        funder_ids=partners, as_of=as_of
    ):
        if loan_id is not None and account_id in codes:
            balances[loan_id][codes[account_id]] += sign * amount
    if funder.is_platform:
        for lines in entries_lines(as_of=as_of):
            for _entry, _line, account_id, loan_id, amount, _day in lines:
                if loan_id is not None and account_id in codes:
                    balances[loan_id][codes[account_id]] += amount
    shares: dict[int, Decimal] = defaultdict(lambda: ZERO)
    funded = set()
    for loan_id, funder_id, share in (
        LoanFunding.objects.filter(valid_from__lte=as_of)
        .exclude(valid_until__lte=as_of)
        .values_list("loan_id", "funder_id", "share")
    ):
        funded.add(loan_id)
        if funder_id == funder.pk:
            shares[loan_id] += share
    yield HEADER
    loans = Loan.objects.filter(disbursed_on__isnull=False, disbursed_on__lte=as_of).order_by("id")
    for loan_id, reference, dpd, category, status in loans.values_list(
        "id", "reference", "days_past_due", "risk_category", "status"
    ):
        share = shares[loan_id] if loan_id in funded or not funder.is_platform else Decimal(1)
        own = balances.get(loan_id, {})
        if not share and not any(own.values()):
            continue
        yield [
            str(loan_id),
            reference,
            f"{share:.6f}",
            *(
                f"{ZERO - own.get(code, ZERO) if code in CREDIT_NORMAL else own.get(code, ZERO):.2f}"
                for code in COLUMNS.values()
            ),
            str(dpd),
            category,
            status,
        ]


def funder_file_csv(*, funder: Funder, as_of: date) -> Iterator[str]:
    """The file as CSV text, a chunk of rows at a time (for a streaming response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for count, row in enumerate(funder_file_rows(funder=funder, as_of=as_of), start=1):
        writer.writerow(row)
        if count % FETCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
