"""Expected credit loss by product and stage (IFRS 9, CAS 22) beside the regulator's
five-category provision, and the allowance booked.

* ecl: each open loan's ECL (`compliance.ecl.ecl_stream`), its stage from the close;
* five_category_required: the principal outstanding × its category's ratio (the regulatory
  basis, `calc.classification`);
* regulatory_reserve: where the regulator's provision exceeds the ECL, the difference (the
  reserve a lender on IFRS 9 books in equity);
* lgd: the loss given default the ECL applied to the product, and lgd_source where it came
  from: the book's recoveries on its write-offs, or the configured value while that history is
  too thin (`compliance.ecl.lgd_table`);
* the totals give the allowance booked (1304), which equals the basis the lender follows
  (`PROVISIONING_BASIS`) after the close.

Measured on the loans as the last close left them: the as-of date is the last closed date. The
book is read `WINDOW` loans at a time, each window's ECL streamed, so memory stays flat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Q

from calc.money import minor_unit_for
from compliance.ecl import EclBasis, ecl_stream, provisioning_basis
from compliance.selectors import classification_policies
from core.batch import cyclic_gc_paused
from ledger import chart
from ledger.selectors import account_balance
from ledger.services import business_date_current
from loans.eod.common import loan_balances
from loans.models import Loan

from .base import ZERO, Column, Report, ReportDateError, ReportParams

NAME = "ecl"
WINDOW = 50_000
TITLE = "Expected credit loss by stage (IFRS 9) and the regulatory reserve"
COLUMNS = (
    Column("product"),
    Column("stage", "int"),
    Column("loans", "int"),
    Column("exposure", "money"),
    Column("ecl", "money"),
    Column("lgd", "ratio"),
    Column("lgd_source"),
    Column("five_category_required", "money"),
    Column("regulatory_reserve", "money"),
)


def ecl_report(*, params: ReportParams) -> Report:
    last_closed = business_date_current() - timedelta(days=1)
    if params.as_of != last_closed:
        raise ReportDateError(
            f"The ECL is measured on the book as the last close left it: {last_closed}, "
            f"not {params.as_of}."
        )
    loans = Q(currency=params.currency)
    if params.product:
        loans &= Q(product__code=params.product)
    policies = classification_policies()
    grouped: dict[tuple[str, int], list] = defaultdict(lambda: [0, ZERO, ZERO, ZERO, ZERO, ""])
    basis = EclBasis(params.as_of)
    with cyclic_gc_paused():
        for facts, principal, window in _windows(loans):
            for item in ecl_stream(as_of=params.as_of, loans=window, basis=basis):
                code, product_type, category = facts[item.loan_id]
                policy = policies[product_type]
                required = policy.required_allowance(
                    principal.get(item.loan_id, {}).get(chart.LOANS_PRINCIPAL, ZERO),
                    category,
                    minor_unit_for(params.currency),
                )
                entry = grouped[(code, item.stage)]
                entry[0] += 1
                entry[1] += item.exposure
                entry[2] += item.ecl
                entry[3] += required
                entry[4], entry[5] = item.lgd, item.lgd_source
    rows, totals = [], {"loans": 0, "exposure": ZERO, "ecl": ZERO, "five_category_required": ZERO}
    for (code, stage), (count, exposure, ecl, required, lgd, source) in sorted(grouped.items()):
        reserve = max(required - ecl, ZERO)
        rows.append((code, stage, count, exposure, ecl, lgd, source, required, reserve))
        totals["loans"] += count
        totals["exposure"] += exposure
        totals["ecl"] += ecl
        totals["five_category_required"] += required
    totals["regulatory_reserve"] = max(totals["five_category_required"] - totals["ecl"], ZERO)
    totals["allowance_booked"] = account_balance(code=chart.ALLOWANCE, currency=params.currency)
    totals["basis"] = provisioning_basis()
    return Report(name=NAME, title=TITLE, params=params, columns=COLUMNS, rows=rows, totals=totals)


def _windows(loans: Q) -> Iterator[tuple[dict, dict, Q]]:
    """The loans `WINDOW` at a time in id order: their facts, their principal balances, and the
    window as a filter. Memory holds one window, however big the book."""
    after = 0
    while True:
        facts = {
            row[0]: row[1:]
            for row in Loan.objects.filter(loans, id__gt=after)
            .order_by("id")
            .values_list("id", "product__code", "product__product_type", "risk_category")[:WINDOW]
        }
        if not facts:
            return
        last = max(facts)
        window = Q(id__gt=after, id__lte=last)
        principal = loan_balances(
            loans=Q(loan_id__gt=after, loan_id__lte=last), codes=[chart.LOANS_PRINCIPAL]
        )
        yield facts, principal, loans & window
        after = last
