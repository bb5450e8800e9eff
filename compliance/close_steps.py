"""The close's compliance steps: `provisioning` (risk classification and the allowance) and
`month_end` (each loan's state stored on the last day of a month).

**Provisioning** — risk classification (五级分类) and provisioning (拨备).

Each open loan is classified from its days past due with its product type's policy
(`calc.classification`, overridable per product type in `compliance.models`), at least
substandard while a restructured loan is under observation (`Loan.restructured_until`), and needs an
allowance of the category's ratio × its principal outstanding (the 1303 balance). The step books
the *change* against the allowance the loan already holds (its 1304 balance), key
`provision:{loan}:{D}`: Dr 6701 credit impairment / Cr 1304 allowance when it rises, the reverse
when it falls. Loans no longer open (paid off) release whatever allowance they still hold.
Stateless, so running it twice books nothing twice.

**Month end** — on the last business date of a month, `month_end_capture` stores every
reportable loan's state as the close leaves it (after classification, before the date moves
on); the reports read it for months gone by. It returns an existing capture untouched, so a
resumed or repeated close captures once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from calc.classification import restructured_floor
from calc.money import minor_unit_for
from compliance.reports.base import is_month_end
from compliance.reports.month_end import month_end_capture
from compliance.selectors import classification_policies
from core.db import rows_update
from core.money import ZERO
from ledger import chart
from ledger.models import LoanAccountBalance
from ledger.services import EntrySpec, entries_post_bulk
from loans.eod import Chunk, StepResult, step_register
from loans.eod.common import ACTOR, OPEN, accounts_by_id, loan_balances
from loans.models import Loan
from loans.posting_rules import provision_lines

KIND = "provision"


def provision_key(loan_id: int, business_date: date) -> str:
    return f"provision:{loan_id}:{business_date}"


def provision_spec(loan_id: int, change: Decimal, today: date, currency: str) -> EntrySpec:
    return EntrySpec(
        kind=KIND,
        business_date=today,
        idempotency_key=provision_key(loan_id, today),
        currency=currency,
        lines=tuple(provision_lines(loan_id=loan_id, change=change)),
    )


def provisions_update(chunk: Chunk) -> StepResult:
    today = chunk.business_date
    policies = classification_policies()
    accounts = accounts_by_id()
    loans = list(
        Loan.objects.filter(chunk.loans(), status__in=OPEN).values_list(
            "id",
            "product__product_type",
            "days_past_due",
            "risk_category",
            "currency",
            "restructured_until",
        )
    )
    balances = loan_balances(
        loans=chunk.loans("loan_id"),
        codes=[chart.LOANS_PRINCIPAL, chart.ALLOWANCE],
        accounts=accounts,
    )
    specs, categories = [], []
    for loan_id, product_type, dpd, category_before, currency, observed_until in loans:
        policy = policies[product_type]
        category = policy.classify(dpd)
        if observed_until is not None and today <= observed_until:
            category = restructured_floor(category)
        held = balances.get(loan_id, {})
        required = policy.required_allowance(
            held.get(chart.LOANS_PRINCIPAL, ZERO), category, minor_unit_for(currency)
        )
        change = required - held.get(chart.ALLOWANCE, ZERO)
        if change:
            specs.append(provision_spec(loan_id, change, today, currency))
        if category != category_before:
            categories.append((loan_id, category.value))
    open_ids = {row[0] for row in loans}
    allowance_ids = [pk for pk, (code, _) in accounts.items() if code == chart.ALLOWANCE]
    leftovers = (
        LoanAccountBalance.objects.filter(chunk.loans("loan_id"), account_id__in=allowance_ids)
        .exclude(debit_total=F("credit_total"))
        .values_list("loan_id", flat=True)
    )
    closed = [loan_id for loan_id in leftovers if loan_id not in open_ids]
    if closed:
        for loan_id, currency in (
            Loan.objects.filter(id__in=closed)
            .exclude(Q(status__in=OPEN))
            .values_list("id", "currency")
        ):
            allowance = balances.get(loan_id, {}).get(chart.ALLOWANCE, ZERO)
            if allowance:
                specs.append(provision_spec(loan_id, -allowance, today, currency))
    entries_post_bulk(specs=specs, actor=ACTOR)
    rows_update(
        "loans_loan",
        [("risk_category", "text")],
        categories,
        constants={"updated_at": timezone.now()},
    )
    return StepResult(
        loans=len({spec.lines[0].loan_id for spec in specs} | {c[0] for c in categories}),
        entries=len(specs),
    )


def month_end_take(chunk: Chunk) -> StepResult:
    if not is_month_end(chunk.business_date):
        return StepResult()
    capture = month_end_capture(business_date=chunk.business_date)
    return StepResult(loans=capture.loans)


def register() -> None:
    step_register("provisioning", provisions_update)
    step_register("month_end", month_end_take, chunked=False)
