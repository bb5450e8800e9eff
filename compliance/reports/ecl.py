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
loans stream from one query that also brings what the five-category provision needs
(`compliance.ecl.ecl_classified_stream`), so memory stays flat however big the book.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Q

from calc.money import minor_unit_for
from compliance.ecl import ecl_classified_stream, provisioning_basis
from compliance.selectors import classification_policies
from core.batch import cyclic_gc_paused
from ledger import chart
from ledger.selectors import account_balance
from ledger.services import business_date_current

from .base import ZERO, Column, Report, ReportDateError, ReportParams

NAME = "ecl"
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
    minor_unit = minor_unit_for(params.currency)
    grouped: dict[tuple[str, int], list] = defaultdict(lambda: [0, ZERO, ZERO, ZERO, ZERO, ""])
    with cyclic_gc_paused():
        for code, stage, exposure, ecl, lgd, lgd_source, classification in ecl_classified_stream(
            as_of=params.as_of, loans=loans
        ):
            product_type, category, principal = classification
            entry = grouped[(code, stage)]
            entry[0] += 1
            entry[1] += exposure
            entry[2] += ecl
            entry[3] += policies[product_type].required_allowance(principal, category, minor_unit)
            entry[4], entry[5] = lgd, lgd_source
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
