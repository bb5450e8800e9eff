"""The close's compliance steps: `provisioning` (risk classification and the allowance) and
`month_end` (each loan's state stored on the last day of a month).

**Provisioning** — risk classification (五级分类) and provisioning (拨备).

Each open loan is classified from its days past due with its product type's policy
(`calc.classification`, overridable per product type in `compliance.models`), at least
substandard while a restructured loan is under observation (`Loan.restructured_until`), and needs
an allowance of the category's ratio × its principal outstanding (the 1303 balance), or, where
the lender's provisioning basis is `ifrs9` (`PROVISIONING_BASIS`), its expected credit loss
(`compliance.ecl`; the other basis is reported beside it by `report ecl`). The step books
the *change* against the allowance the loan already holds (its 1304 balance), key
`provision:{loan}:{D}`: Dr 6701 credit impairment / Cr 1304 allowance when it rises, the reverse
when it falls. Loans no longer open (paid off) release whatever allowance they still hold.
Stateless, so running it twice books nothing twice.

**Month end** — on the last business date of a month, `month_end_capture` stores every
reportable loan's state as the close leaves it (after classification, before the date moves
on); the reports read it for months gone by. It returns an existing capture untouched, so a
resumed or repeated close captures once.

**Reports** — the close's last step, once the date has moved on (a report is of a closed
date): the reports due for the date closed (`reports_due_produce`), so they follow the
business date whether the close runs at night, in a catch-up of several days or in a
simulation. A report that fails does not fail the close: it is recorded on the step's row and
retried by the next close's `reports` step (the next day's close is not held back). Reports
produced already are skipped, so a resumed close produces each one once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from calc.classification import restructured_floor
from calc.money import minor_unit_for
from compliance.ecl import IFRS9, ecl_measure, provisioning_basis
from compliance.reports.base import is_month_end
from compliance.reports.month_end import month_end_capture
from compliance.reports.runs import reports_due_produce
from compliance.selectors import classification_policies
from compliance.staging import stages_update
from core.db import rows_update
from core.money import ZERO
from ledger import chart
from ledger.models import LoanAccountBalance
from ledger.services import EntrySpec, entries_post_bulk
from loans.eod import Chunk, StepResult, step_register
from loans.eod.common import ACTOR, OPEN, accounts_by_id, loan_balances
from loans.models import CloseStepRun, Loan
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
    ifrs9 = provisioning_basis() == IFRS9
    ecl = (
        {item.loan_id: item.ecl for item in ecl_measure(as_of=today, loans=chunk.loans())}
        if ifrs9
        else {}
    )
    specs, categories = [], []
    for loan_id, product_type, dpd, category_before, currency, observed_until in loans:
        policy = policies[product_type]
        category = policy.classify(dpd)
        if observed_until is not None and today <= observed_until:
            category = restructured_floor(category)
        held = balances.get(loan_id, {})
        required = (
            ecl.get(loan_id, ZERO)
            if ifrs9
            else policy.required_allowance(
                held.get(chart.LOANS_PRINCIPAL, ZERO), category, minor_unit_for(currency)
            )
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


REPORTS_STEP = "reports"


def reports_produce(chunk: Chunk) -> StepResult:
    """The reports of the date closed, and of earlier closes whose reports failed (retried)."""
    failed_before = (
        CloseStepRun.objects.filter(step=REPORTS_STEP, run__business_date__lt=chunk.business_date)
        .exclude(error="")
        .order_by("run__business_date")
        .values_list("pk", "run__business_date")
    )
    for row_id, closed in failed_before:
        retried = reports_due_produce(closed=closed)
        CloseStepRun.objects.filter(pk=row_id).update(error="\n".join(retried.problems)[:4000])
    return StepResult(problem="\n".join(reports_due_produce(closed=chunk.business_date).problems))


def register() -> None:
    step_register("staging", stages_update)
    step_register("provisioning", provisions_update)
    step_register("month_end", month_end_take, chunked=False)
    step_register(REPORTS_STEP, reports_produce, chunked=False)
