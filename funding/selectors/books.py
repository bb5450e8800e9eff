"""The funders' books, derived set-based from the one journal.

The journal keeps every loan whole (the close posts loan-level totals, as it always has). A
funder's books are its part of every line: each line of an entry that belongs to one co-lent
loan is split by the loan's shares on the line's business date with the largest-remainder rule
(`calc.split`, here in SQL), and the rounding is settled inside each entry on its largest line so
that every funder's part of an entry balances. An entry that belongs wholly to one funder (a
settlement, one side of a buyback or a transfer: `EntryFunder`) is that funder's, unsplit.

A reversal splits exactly as the entry it reverses: by the shares on the date of the entry its
chain of reversals began with (and it belongs to that entry's funder, if one), not by the shares
on its own date. So a repayment reversed after a transfer or a buyback gives each funder back
exactly the part it had, and the parts of the entry and its reversal cancel cent for cent.

A partner's part of the platform's collection account (1002) is, in its own books, what the
platform owes it (1221); in the platform's books the same amount is the payable to partners
(2203), the cash staying in 1002. So the platform's books are the whole journal less the
partners' parts, with the partners' cash read as a payable; every book balances, and the sum
over funders is the whole journal once 1221 and 2203 (one funder's claim on another) are
eliminated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import connection

from core.money import ZERO
from ledger.models import Account
from ledger.selectors import TrialBalance, TrialBalanceRow, journal_lines_sql, trial_balance

from .. import accounts
from ..models import Funder
from .split_lines import derived_in_sql, parts_rows


def _filters(as_of: date | None, on: date | None, alias: str = "l") -> tuple[str, list]:
    sql, params = "", []
    if as_of is not None:
        sql += f" AND {alias}.business_date <= %s"
        params.append(as_of)
    if on is not None:
        sql += f" AND {alias}.business_date = %s"
        params.append(on)
    return sql, params


def loss_account_ids() -> list[int]:
    """The accounts a credit loss is booked on (every currency's)."""
    return list(Account.objects.filter(code__in=accounts.LOSS).values_list("id", flat=True))


def partner_parts_sql(
    *,
    funder_ids: Sequence[int],
    as_of: date | None = None,
    on: date | None = None,
    loan_ids: Sequence[int] | None = None,
) -> tuple[str, list]:
    """SQL of (funder_id, loan_id, entry_id, account_id, amount): the funders' parts of every
    line, amount signed debit-positive, before 1002 is read as 1221. One statement: shares
    joined by date, floors, the cents left given by largest remainder (ties to the earlier
    funder: the platform first, then by id), each entry's rounding settled on its largest
    line; then the entries that belong wholly to one of the funders. A reversal is split by
    the shares of its origin's date and belongs to its origin's funder.

    On a loan some funder of which bears no credit losses, a line on a loss account
    (`accounts.LOSS`: allowance, impairment, write-off, recoveries) is split among the funders
    that bear them, by their shares; every other line by the shares as usual. What that leaves
    unbalanced in a funder's part of the entry (the receivables it gave up against a loss
    another bears, and the rounding) is settled on the collection account 1002: a claim
    between the funder and the platform, which its settlement pays."""
    date_sql, date_params = _filters(as_of, on)
    journal = journal_lines_sql(since=on)  # archived months too, when the range reaches them
    loan_sql, loan_params = "", []
    if loan_ids is not None:
        loan_sql = " AND f.loan_id = ANY(%s)"
        loan_params = [list(loan_ids)]
    sql = f"""
    WITH RECURSIVE funded AS (
        SELECT DISTINCT f.loan_id FROM funding_loanfunding f
         WHERE f.funder_id = ANY(%s){loan_sql}
    ),
    reversed_from AS (
        SELECT e.id AS entry_id, e.reverses_id AS origin_id
          FROM ledger_journalentry e WHERE e.reverses_id IS NOT NULL
        UNION ALL
        SELECT r.entry_id, o.reverses_id
          FROM reversed_from r JOIN ledger_journalentry o ON o.id = r.origin_id
         WHERE o.reverses_id IS NOT NULL
    ),
    origin AS (
        SELECT r.entry_id, o.id AS origin_id, o.business_date
          FROM reversed_from r JOIN ledger_journalentry o ON o.id = r.origin_id
         WHERE o.reverses_id IS NULL
    ),
    owned AS (
        SELECT x.entry_id, x.funder_id FROM funding_entryfunder x
        UNION ALL
        SELECT o.entry_id, x.funder_id
          FROM origin o JOIN funding_entryfunder x ON x.entry_id = o.origin_id
         WHERE NOT EXISTS (SELECT 1 FROM funding_entryfunder y WHERE y.entry_id = o.entry_id)
    ),
    entry_loan AS (
        SELECT l.entry_id, min(l.loan_id) AS loan_id
          FROM {journal} l
         WHERE l.entry_id IN (SELECT l2.entry_id FROM {journal} l2
                               WHERE l2.loan_id IN (SELECT loan_id FROM funded)
                                 {date_sql.replace("l.", "l2.")})
               {date_sql}
         GROUP BY l.entry_id
        HAVING count(DISTINCT l.loan_id) = 1
    ),
    lines AS (
        SELECT l.id, l.entry_id, l.account_id, e.loan_id, l.loan_id AS line_loan_id,
               coalesce(o.business_date, l.business_date) AS split_date,
               l.account_id = ANY(%s) AS loss_account,
               l.debit - l.credit AS amount,
               abs(l.debit - l.credit) * 100 AS units
          FROM {journal} l JOIN entry_loan e ON e.entry_id = l.entry_id
          LEFT JOIN origin o ON o.entry_id = l.entry_id
         WHERE NOT EXISTS (SELECT 1 FROM owned x WHERE x.entry_id = l.entry_id)
               {date_sql}
    ),
    loss_moving AS (
        -- a line of a loan one of whose funders on its date bears no losses (the hashed list
        -- of such loans first: most books have none)
        SELECT ln.*,
               ln.loan_id IN (SELECT f.loan_id FROM funding_loanfunding f
                               WHERE NOT f.bears_losses)
               AND EXISTS (SELECT 1 FROM funding_loanfunding f
                            WHERE f.loan_id = ln.loan_id AND NOT f.bears_losses
                              AND f.valid_from <= ln.split_date
                              AND (f.valid_until IS NULL OR ln.split_date < f.valid_until))
               AS moves_loss
          FROM lines ln
    ),
    shared AS (
        SELECT ln.*, s.funder_id, s.share, s.bears_losses,
               CASE WHEN ln.loss_account AND ln.moves_loss
                    THEN (SELECT sum(f.share) FROM funding_loanfunding f
                           WHERE f.loan_id = ln.loan_id AND f.bears_losses
                             AND f.valid_from <= ln.split_date
                             AND (f.valid_until IS NULL OR ln.split_date < f.valid_until))
               END AS bearing_total,
               row_number() OVER (PARTITION BY ln.id ORDER BY s.not_platform, s.funder_id)
               AS position
          FROM loss_moving ln
          JOIN (SELECT f.loan_id, f.funder_id, f.share, f.bears_losses, f.valid_from,
                       f.valid_until, fu.kind <> 'platform' AS not_platform
                  FROM funding_loanfunding f JOIN funding_funder fu ON fu.id = f.funder_id
                 WHERE f.loan_id IN (SELECT loan_id FROM funded)) s
            ON s.loan_id = ln.loan_id AND s.valid_from <= ln.split_date
           AND (s.valid_until IS NULL OR ln.split_date < s.valid_until)
    ),
    weighted AS (
        -- a loss line of such a loan split among the funders that bear losses, by their shares
        SELECT x.*,
               CASE WHEN x.bearing_total > 0
                    THEN CASE WHEN x.bears_losses THEN x.share ELSE 0 END
                    ELSE x.share END AS weight,
               CASE WHEN x.bearing_total > 0 THEN x.bearing_total ELSE 1 END AS total
          FROM shared x
    ),
    exact AS (
        SELECT w.id, w.entry_id, w.account_id, w.loan_id, w.line_loan_id, w.amount, w.units,
               w.moves_loss, w.funder_id, w.total, w.position,
               div(w.units * w.weight, w.total) AS floor_units,
               w.units * w.weight - div(w.units * w.weight, w.total) * w.total AS remainder
          FROM weighted w
    ),
    ranked AS (
        SELECT x.*,
               x.units - sum(x.floor_units) OVER (PARTITION BY x.id) AS left_units,
               row_number() OVER (PARTITION BY x.id ORDER BY x.remainder DESC, x.position)
               AS remainder_rank
          FROM exact x
    ),
    parts AS (
        SELECT r.id, r.entry_id, r.account_id, r.loan_id, r.line_loan_id, r.funder_id,
               r.amount, r.moves_loss,
               (sign(r.amount) * (r.floor_units
                                  + CASE WHEN r.remainder_rank <= r.left_units THEN 1 ELSE 0 END)
                / 100)::numeric(20, 2) AS part,
               first_value(r.id) OVER (PARTITION BY r.entry_id
                                       ORDER BY abs(r.amount) DESC, r.id) AS largest_line
          FROM ranked r
    ),
    settled AS (
        SELECT p.funder_id, p.line_loan_id AS loan_id, p.entry_id, p.account_id,
               p.part - CASE WHEN NOT p.moves_loss AND p.id = p.largest_line
                             THEN sum(p.part) OVER (PARTITION BY p.entry_id, p.funder_id)
                             ELSE 0 END AS amount
          FROM parts p
    ),
    loss_moved AS (
        SELECT p.funder_id, p.loan_id, p.entry_id, min(p.account_id) AS any_account,
               -sum(p.part) AS amount
          FROM parts p
         WHERE p.moves_loss
         GROUP BY p.funder_id, p.loan_id, p.entry_id
        HAVING sum(p.part) <> 0
    )
    SELECT funder_id, loan_id, entry_id, account_id, amount FROM settled
     WHERE funder_id = ANY(%s)
    UNION ALL
    SELECT m.funder_id, m.loan_id, m.entry_id, c.id, m.amount
      FROM loss_moved m JOIN ledger_account a ON a.id = m.any_account
      JOIN ledger_account c ON c.code = %s AND c.currency = a.currency
     WHERE m.funder_id = ANY(%s)
    UNION ALL
    SELECT x.funder_id, l.loan_id, l.entry_id, l.account_id, l.debit - l.credit
      FROM owned x JOIN {journal} l ON l.entry_id = x.entry_id
     WHERE x.funder_id = ANY(%s) {date_sql}
    """
    ids = list(funder_ids)
    params = [
        ids,
        *loan_params,
        *date_params,
        *date_params,
        loss_account_ids(),
        *date_params,
        ids,
        accounts.CASH,
        ids,
        ids,
        *date_params,
    ]
    return sql, params


def partner_account_sums(
    *, funder_ids: Sequence[int], as_of: date | None = None
) -> dict[int, dict[int, Decimal]]:
    """Per funder, per account: the sum of its parts (debit positive), 1002 not yet relabelled."""
    out: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    if not derived_in_sql():
        for funder_id, _loan, _entry, account_id, amount in parts_rows(
            funder_ids=funder_ids, as_of=as_of
        ):
            out[funder_id][account_id] += amount
        return out
    sql, params = partner_parts_sql(funder_ids=funder_ids, as_of=as_of)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT funder_id, account_id, sum(amount) FROM ({sql}) p GROUP BY 1, 2", params
        )
        for funder_id, account_id, amount in cursor.fetchall():
            out[funder_id][account_id] += amount
    return out


def _rows(net: dict[int, Decimal], as_of: date | None) -> TrialBalance:
    rows = []
    for account in Account.objects.order_by("currency", "code"):
        amount = net.get(account.id, ZERO)
        rows.append(
            TrialBalanceRow(
                code=account.code,
                name=account.name,
                currency=account.currency,
                debit=max(amount, ZERO),
                credit=max(-amount, ZERO),
            )
        )
    return TrialBalance(as_of=as_of, rows=rows)


def _account_ids(*codes: str) -> dict[str, int]:
    return dict(Account.objects.filter(code__in=codes).values_list("code", "id"))


def funder_net_by_account(*, funder: Funder, as_of: date | None = None) -> dict[int, Decimal]:
    """A funder's books per account (debit positive), 1002 read as its claim on the platform
    (a partner) or with the partners' cash held as a payable (the platform)."""
    ids = _account_ids(accounts.CASH, accounts.DUE_FROM_PLATFORM, accounts.PAYABLE_TO_PARTNERS)
    cash, due, payable = (
        ids[accounts.CASH],
        ids[accounts.DUE_FROM_PLATFORM],
        ids[accounts.PAYABLE_TO_PARTNERS],
    )
    if not funder.is_platform:
        own = dict(partner_account_sums(funder_ids=[funder.pk], as_of=as_of).get(funder.pk, {}))
        own[due] = own.get(due, ZERO) + own.pop(cash, ZERO)
        return own
    whole = {account_id: debit - credit for account_id, debit, credit in _whole_sums(as_of)}
    partners = list(Funder.objects.exclude(kind=Funder.Kind.PLATFORM).values_list("pk", flat=True))
    for sums in partner_account_sums(funder_ids=partners, as_of=as_of).values():
        for account_id, amount in sums.items():
            if account_id == cash:
                whole[payable] = whole.get(payable, ZERO) - amount
            else:
                whole[account_id] = whole.get(account_id, ZERO) - amount
    return whole


def _whole_sums(as_of: date | None):
    tb = trial_balance(as_of=as_of)
    by_code = {(a.code, a.currency): a.id for a in Account.objects.all()}
    return [(by_code[(row.code, row.currency)], row.debit, row.credit) for row in tb.rows]


def funder_trial_balance(*, code: str, as_of: date | None = None) -> TrialBalance:
    """The trial balance of one funder's books (`manage.py trial_balance --funder CODE`)."""
    try:
        funder = Funder.objects.get(code=code)
    except Funder.DoesNotExist as exc:
        raise LookupError(f"No funder {code!r}.") from exc
    return _rows(funder_net_by_account(funder=funder, as_of=as_of), as_of)
