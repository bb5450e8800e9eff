"""A funder's balances of its loans, per (loan, account), from its books."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import connection

from core.money import ZERO
from ledger.models import Account
from ledger.selectors import journal_lines_sql

from ..models import Funder
from .books import partner_parts_sql
from .split_lines import derived_in_sql, entries_lines, parts_rows


def funder_loan_balances(
    *,
    funder: Funder,
    loan_ids: Sequence[int],
    codes: Sequence[str],
    as_of: date | None = None,
) -> dict[int, dict[str, Decimal]]:
    """{loan: {account code: balance, debit positive}} of the funder's part of each loan, every
    line up to ``as_of`` included (None: every line)."""
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    if not loan_ids:
        return out
    if funder.is_platform:
        partners = list(Funder.objects.exclude(pk=funder.pk).values_list("pk", flat=True))
        whole = _whole_loan_sums(loan_ids, codes, as_of)
        for (loan_id, code), amount in whole.items():
            out[loan_id][code] = amount
        if partners:
            for (loan_id, code), amount in _parts(partners, loan_ids, codes, as_of).items():
                out[loan_id][code] = out[loan_id].get(code, ZERO) - amount
        return out
    for (loan_id, code), amount in _parts([funder.pk], loan_ids, codes, as_of).items():
        out[loan_id][code] = amount
    return out


def _parts(funder_ids, loan_ids, codes, as_of) -> dict[tuple[int, str], Decimal]:
    if not derived_in_sql():
        names = _codes(codes)
        out: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
        for _funder, loan_id, _entry, account_id, amount in parts_rows(
            funder_ids=funder_ids, as_of=as_of, loan_ids=loan_ids
        ):
            if account_id in names:
                out[(loan_id, names[account_id])] += amount
        return dict(out)
    sql, params = partner_parts_sql(funder_ids=funder_ids, as_of=as_of, loan_ids=loan_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT p.loan_id, a.code, sum(p.amount) FROM ({sql}) p
                  JOIN ledger_account a ON a.id = p.account_id
                 WHERE p.loan_id = ANY(%s) AND a.code = ANY(%s)
                 GROUP BY 1, 2""",
            [*params, list(loan_ids), list(codes)],
        )
        return {(loan_id, code): amount for loan_id, code, amount in cursor.fetchall()}


def _codes(codes) -> dict[int, str]:
    return dict(Account.objects.filter(code__in=list(codes)).values_list("id", "code"))


def _whole_loan_sums(loan_ids, codes, as_of) -> dict[tuple[int, str], Decimal]:
    if not derived_in_sql():
        names = _codes(codes)
        wanted = set(loan_ids)
        out: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
        for lines in entries_lines(as_of=as_of):
            for _entry, _line, account_id, loan_id, amount, _day in lines:
                if loan_id in wanted and account_id in names:
                    out[(loan_id, names[account_id])] += amount
        return dict(out)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT l.loan_id, a.code, sum(l.debit - l.credit)
                 FROM {journal_lines_sql()} l JOIN ledger_account a ON a.id = l.account_id
                WHERE l.loan_id = ANY(%s) AND a.code = ANY(%s)
                  AND (%s::date IS NULL OR l.business_date <= %s::date)
                GROUP BY 1, 2""",
            [list(loan_ids), list(codes), as_of, as_of],
        )
        return {(loan_id, code): amount for loan_id, code, amount in cursor.fetchall()}
