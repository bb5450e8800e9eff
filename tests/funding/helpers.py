"""What the funding tests share: an arrangement of shares, a funder's balances, the proof that
funders reconcile, and each funder's part of one journal entry."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connection

from funding.models import ArrangementShare, Funder, FundingArrangement
from funding.selectors.books import funder_trial_balance, partner_parts_sql
from funding.selectors.reconcile import funder_reconcile, funders_sum_to_whole
from ledger.services import business_date_current

D = Decimal


def arrangement(product=None, loan=None, *, shares, guarantee=True, buyback=3):
    """``shares``: (funder, share, own rate) or (funder, share, own rate, bears losses)."""
    row = FundingArrangement.objects.create(
        code=f"arr-{FundingArrangement.objects.count() + 1}",
        product=product,
        loan=loan,
        platform_guarantee=guarantee,
        buyback_days_past_due=buyback,
        valid_from=date(2020, 1, 1),
    )
    for funder, share, rate, *bears in shares:
        ArrangementShare.objects.create(
            arrangement=row,
            funder=funder,
            share=D(share),
            funder_rate=rate,
            bears_losses=bears[0] if bears else True,
        )
    return row


def balances(code, as_of=None):
    tb = funder_trial_balance(code=code, as_of=as_of)
    return {row.code: row.net for row in tb.rows if row.net}


def assert_reconciled(*codes):
    for code in codes:
        assert funder_reconcile(code=code) == [], code
        assert funder_trial_balance(code=code).balanced
    assert funders_sum_to_whole(as_of=business_date_current()) == []


def entry_parts(entry_ids) -> dict[str, dict[str, Decimal]]:
    """{funder code: {account code: its part of the entries}} for every partner (the database's
    books), and the platform's as the entries' lines less the partners' parts."""
    partners = dict(Funder.objects.exclude(kind="platform").values_list("pk", "code"))
    sql, params = partner_parts_sql(funder_ids=list(partners))
    out: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: D(0)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT p.funder_id, a.code, sum(p.amount) FROM ({sql}) p
                  JOIN ledger_account a ON a.id = p.account_id
                 WHERE p.entry_id = ANY(%s) GROUP BY 1, 2""",
            [*params, list(entry_ids)],
        )
        for funder_id, code, amount in cursor.fetchall():
            out[partners[funder_id]][code] += amount
        cursor.execute(
            """SELECT a.code, sum(l.debit - l.credit) FROM ledger_journalline l
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE l.entry_id = ANY(%s) GROUP BY 1""",
            [list(entry_ids)],
        )
        for code, amount in cursor.fetchall():
            out["platform"][code] += amount - sum(
                (out[partner][code] for partner in partners.values()), D(0)
            )
    return {
        funder: {code: amount for code, amount in parts.items() if amount}
        for funder, parts in out.items()
        if any(parts.values())
    }
