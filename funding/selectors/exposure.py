"""Exposure per funder: its share of the outstanding principal of the loans it funds, against
its limit (the admin's chart)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils.translation import gettext

from core.money import CENT, ZERO
from ledger import chart
from ledger.models import LoanAccountBalance
from loans.models import Loan

from ..models import Funder, LoanFunding

OPEN = (Loan.Status.APPROVED, Loan.Status.ACTIVE, Loan.Status.DELINQUENT)


@dataclass(frozen=True)
class FunderExposure:
    code: str
    name: str
    exposure: Decimal
    limit: Decimal | None


def funder_exposure(funder: Funder, *, exclude_loan_id: int | None = None) -> Decimal:
    """The funder's share of the principal of its open loans: outstanding once disbursed, the
    principal signed before."""
    if connection.vendor != "postgresql":
        return _exposure_python(funder, exclude_loan_id)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT coalesce(sum(round(f.share * CASE WHEN ln.disbursed_on IS NULL
                                                     THEN ln.principal
                                                     ELSE coalesce(b.debit_total - b.credit_total,
                                                                   0) END, 2)), 0)
              FROM funding_loanfunding f
              JOIN loans_loan ln ON ln.id = f.loan_id
              LEFT JOIN ledger_loanaccountbalance b
                ON b.loan_id = ln.id
               AND b.account_id = (SELECT id FROM ledger_account WHERE code = %s
                                    AND currency = ln.currency)
             WHERE f.funder_id = %s AND f.valid_until IS NULL AND ln.status = ANY(%s)
               AND (%s::bigint IS NULL OR ln.id <> %s::bigint)
            """,
            [chart.LOANS_PRINCIPAL, funder.pk, list(OPEN), exclude_loan_id, exclude_loan_id],
        )
        return Decimal(cursor.fetchone()[0])


def _exposure_python(funder: Funder, exclude_loan_id: int | None) -> Decimal:
    """The same sum on SQLite (`make run`), which keeps no exact decimals in SQL."""
    rows = (
        LoanFunding.objects.filter(funder=funder, valid_until__isnull=True, loan__status__in=OPEN)
        .exclude(loan_id=exclude_loan_id)
        .values_list("loan_id", "share", "loan__principal", "loan__disbursed_on")
    )
    outstanding = {
        loan_id: debit - credit
        for loan_id, debit, credit in LoanAccountBalance.objects.filter(
            account__code=chart.LOANS_PRINCIPAL, loan_id__in=[row[0] for row in rows]
        ).values_list("loan_id", "debit_total", "credit_total")
    }
    total = ZERO
    for loan_id, share, principal, disbursed_on in rows:
        base = principal if disbursed_on is None else outstanding.get(loan_id, ZERO)
        total += (share * base).quantize(CENT, rounding=ROUND_HALF_UP)
    return total


def funders_exposure() -> list[FunderExposure]:
    return [
        FunderExposure(
            code=funder.code,
            name=funder.name_shown,
            exposure=funder_exposure(funder),
            limit=funder.exposure_limit,
        )
        for funder in Funder.objects.exclude(kind=Funder.Kind.PLATFORM).order_by("code")
    ]


def exposure_svg(rows: list[FunderExposure]) -> str:
    """A horizontal bar per funder (exposure), its limit marked; plain SVG, no script."""
    if not rows:
        return ""
    top = max([row.exposure for row in rows] + [row.limit or Decimal(0) for row in rows]) or 1
    width, bar, gap, label = 640, 22, 10, 140
    height = len(rows) * (bar + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + label + 120}" '
        f'height="{height}" role="img" aria-label="{gettext("Exposure per funder")}">'
    ]
    for index, row in enumerate(rows):
        y = gap + index * (bar + gap)
        length = int(width * row.exposure / top)
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12">{row.code}</text>'
            f'<rect x="{label}" y="{y}" width="{length}" height="{bar}" fill="#417690"/>'
            f'<text x="{label + length + 4}" y="{y + 15}" font-size="11">{row.exposure:,.2f}</text>'
        )
        if row.limit is not None:
            x = label + int(width * row.limit / top)
            parts.append(
                f'<line x1="{x}" x2="{x}" y1="{y - 3}" y2="{y + bar + 3}" stroke="#ba2121" '
                f'stroke-width="2"><title>limit {row.limit:,.2f}</title></line>'
            )
    parts.append("</svg>")
    return "".join(parts)
