"""Five-category loan classification (五级分类) with the provision (拨备) required and booked per
category, by product, at the end of a business date.

* required: each loan's principal outstanding × its category's ratio under its product type's
  policy (`calc.classification`), rounded half-up to the cent per loan, as the close books
  it (a date read from the close's snapshot rounds per group instead: within cents);
* booked: the loans' allowance for loan losses (1304) in the ledger as of the date;
* the totals also give 1304's whole balance, so that an allowance booked without a loan shows.
"""

from __future__ import annotations

from calc.classification import Category
from compliance.selectors import classification_policies
from ledger import chart
from ledger.selectors import account_balance
from loans.models import Product

from .base import NPL_CATEGORIES, ZERO, Column, Report, ReportParams, money, ratio
from .scope import shared
from .state import GROUPED_COLUMNS, grouped_state_rows

NAME = "classification"
TITLE = "Five-category classification and provisions (五级分类与拨备)"
COLUMNS = (
    Column("product"),
    Column("category"),
    Column("loans", "int"),
    Column("principal", "money"),
    Column("interest", "money"),
    Column("fees", "money"),
    Column("penalty", "money"),
    Column("provision_ratio", "ratio"),
    Column("provision_required", "money"),
    Column("provision_booked", "money"),
    Column("shortfall", "money"),
)
CATEGORIES = tuple(member.value for member in Category)


def classification_report(*, params: ReportParams) -> Report:
    state_rows, source = grouped_state_rows(
        params.as_of, currency=params.currency, product=params.product
    )
    position = {name: index for index, name in enumerate(GROUPED_COLUMNS)}
    amounts = ("principal", "interest", "fees", "penalty", "provision_required", "allowance")
    grouped: dict[tuple[str, str], list] = {}
    for row in state_rows:
        key = (row[0], row[3])
        entry = grouped.setdefault(key, [0, *([ZERO] * len(amounts))])
        entry[0] += int(row[position["loans"]])
        for index, name in enumerate(amounts, start=1):
            entry[index] += money(row[position[name]])
    policies = shared("classification_policies", classification_policies)
    types = dict(
        Product.objects.filter(code__in={key[0] for key in grouped}).values_list(
            "code", "product_type"
        )
    )
    order = {name: index for index, name in enumerate(CATEGORIES)}
    rows = []
    totals = {
        "loans": 0,
        "principal": ZERO,
        "provision_required": ZERO,
        "provision_booked": ZERO,
        "npl_principal": ZERO,
        "by_category": {
            name: {"loans": 0, "principal": ZERO, "required": ZERO, "booked": ZERO}
            for name in CATEGORIES
        },
    }
    for key in sorted(grouped, key=lambda k: (k[0], order.get(k[1], len(order)))):
        product, category = key
        loans, principal, interest, fees, penalty, required, booked = grouped[key]
        rate = policies[types.get(product, "")].ratio(category) if category in order else ZERO
        rows.append(
            (
                product,
                category,
                loans,
                principal,
                interest,
                fees,
                penalty,
                rate,
                required,
                booked,
                required - booked,
            )
        )
        totals["loans"] += loans
        totals["principal"] += principal
        totals["provision_required"] += required
        totals["provision_booked"] += booked
        if category in NPL_CATEGORIES:
            totals["npl_principal"] += principal
        bucket = totals["by_category"].setdefault(
            category, {"loans": 0, "principal": ZERO, "required": ZERO, "booked": ZERO}
        )
        bucket["loans"] += loans
        bucket["principal"] += principal
        bucket["required"] += required
        bucket["booked"] += booked
    totals["shortfall"] = totals["provision_required"] - totals["provision_booked"]
    totals["npl_ratio"] = ratio(totals["npl_principal"], totals["principal"])
    if params.product is None:
        ledger_allowance = money(
            account_balance(code=chart.ALLOWANCE, currency=params.currency, as_of=params.as_of)
        )
        totals["allowance_ledger"] = ledger_allowance
        totals["allowance_without_loan"] = ledger_allowance - totals["provision_booked"]
    return Report(
        name=NAME,
        title=TITLE,
        params=params,
        columns=COLUMNS,
        rows=rows,
        totals=totals,
        meta={"state_source": source.value},
    )
