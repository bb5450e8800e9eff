"""The month-end loan-level file a funder expects: every loan it holds a share of, its share,
its part of the loan's balances, days past due and the five-category classification. CSV,
streamed; the balances are the funder's books (`partner_parts_sql`), one statement."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from django.db import connection

from ledger import chart
from ledger.selectors import journal_lines_sql

from ..models import Funder

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
