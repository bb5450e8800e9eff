"""The close's `states` step: state changes — non-accrual, charge-off, delinquent and cured.

**Non-accrual** (停止计息入收入) from 90 days past due (`NON_ACCRUAL_DAYS`): interest and
penalties stop being booked to income. The loan is flagged `non_accrual`; from then on the
accrual and penalty steps credit 2261 interest in suspense instead of income, and this step keeps
the suspense equal to what the borrower owes of recognized interest and penalties:

    interest in suspense = Σ (interest_accrued - interest_paid)   (Dr 6011 / Cr 2261 if short)
    penalty in suspense  = Σ (penalty_due - penalty_paid)          (Dr 6031 / Cr 2261 if short)

On the day the loan goes non-accrual this reverses the accrued but unpaid interest and penalties
out of income; later, when the borrower pays some of it, the excess suspense is released back to
income (Dr 2261 / Cr 6011 or 6031: income on a cash basis). The penalty part of the suspense is
told apart by entry kind (`penalty`, `penalty_suspense`); the rest is interest. A loan stays on
non-accrual until it is charged off or paid off (a paid-off loan's suspense is released and the
flag cleared), or until it has performed again: **back to accrual** once nothing has been past
due for `ACCRUAL_REINSTATEMENT_DAYS` (90) days since its last cure — three monthly installments
paid on time. Then the whole suspense is income again (Dr 2261 / Cr 6011 and 6031, memo naming
the cure date) and accruals go to income from the next close. A re-default restarts the count.

**Charge-off** (核销) at `Loan.charge_off_days_past_due` (default 180) days past due. One entry
(key `write-off:{loan}`): Cr every open receivable (1303, 1132, 1133, 1134); Dr 2261 the
interest in suspense (it was never income: it offsets the interest and penalty receivable); the
rest is the loss: Dr 1304 allowance up to the loan's allowance, Dr 6711 write-off expense for
the remainder. Allowance beyond the loss is released (Cr 6701), so the loan leaves no balance on
1304 or 2261. The loan transitions to `charged_off` and is classified `loss`.

**Delinquent / cured**: `active` → `delinquent` when days past due > 0; `delinquent` → `active`
when nothing is past due any more. Every transition goes through the FSM and is logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from core.db import rows_update
from ledger import chart
from ledger.models import JournalLine
from ledger.services import EntrySpec, entries_post_bulk
from loans.events import loans_non_accrual
from loans.models import Installment, Loan, LoanTransition
from loans.posting_rules import (
    RECEIVABLES,
    WRITE_OFF_KIND,
    suspense_lines,
    write_off_key,
    write_off_lines,
)
from loans.transitions import loan_transition_bulk

from .common import ACTOR, OPEN, ZERO, Chunk, StepResult, accounts_by_id, loan_balances
from .penalties import KIND as PENALTY_KIND

NON_ACCRUAL_DAYS = 90
ACCRUAL_REINSTATEMENT_DAYS = 90
INTEREST_SUSPENSE_KIND = "interest_suspense"
PENALTY_SUSPENSE_KIND = "penalty_suspense"
PENALTY_KINDS = (PENALTY_KIND, PENALTY_SUSPENSE_KIND)
PAID_OFF = Loan.Status.PAID_OFF.value
ACTIVE = Loan.Status.ACTIVE.value


def _suspense_spec(
    kind: str,
    key: str,
    income: str,
    delta: Decimal,
    loan_id: int,
    today: date,
    currency: str,
    memo: str = "",
) -> EntrySpec:
    """Move `delta` from income into suspense (or back, when negative)."""
    return EntrySpec(
        kind=kind,
        business_date=today,
        idempotency_key=key,
        currency=currency,
        memo=memo,
        lines=tuple(suspense_lines(income=income, delta=delta, loan_id=loan_id)),
    )


def _suspense_targets(loan_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """Unpaid recognized interest and unpaid penalties per loan, from the schedules. Summed
    here rather than by SQL: SQLite (the demo) sums decimals as binary floats."""
    targets: dict[int, tuple[Decimal, Decimal]] = {}
    rows = (
        Installment.objects.filter(loan_id__in=loan_ids)
        .exclude(status=Installment.Status.CANCELLED)
        .values_list("loan_id", "interest_accrued", "interest_paid", "penalty_due", "penalty_paid")
    )
    for loan_id, accrued, interest_paid, penalty, penalty_paid in rows:
        interest_owed, penalty_owed = targets.get(loan_id, (ZERO, ZERO))
        targets[loan_id] = (
            interest_owed + accrued - interest_paid,
            penalty_owed + penalty - penalty_paid,
        )
    return targets


def _penalty_suspense(loan_ids: list[int], accounts) -> dict[int, Decimal]:
    """The part of each loan's suspense that came from penalties (by entry kind)."""
    suspense_ids = [pk for pk, (code, _) in accounts.items() if code == chart.INTEREST_SUSPENSE]
    rows = JournalLine.objects.filter(
        loan_id__in=loan_ids, account_id__in=suspense_ids, entry__kind__in=PENALTY_KINDS
    ).values_list("loan_id", "credit", "debit")
    out: dict[int, Decimal] = {}
    for loan_id, credit, debit in rows:
        out[loan_id] = out.get(loan_id, ZERO) + credit - debit
    return out


def _suspense_true_up(
    loans: list[tuple], today: date, accounts, *, release: Mapping[int, date] | None = None
) -> list[EntrySpec]:
    """Entries keeping each non-accrual loan's suspense equal to its unpaid interest and
    penalties. `loans` are (id, currency) pairs; the loans in `release` (id → the date they
    were cured) return to accrual: their whole suspense goes back to income."""
    release = release or {}
    ids = [loan_id for loan_id, _ in loans]
    targets = _suspense_targets([loan_id for loan_id in ids if loan_id not in release])
    balances = loan_balances(
        loans=Q(loan_id__in=ids), codes=[chart.INTEREST_SUSPENSE], accounts=accounts
    )
    penalty_part = _penalty_suspense(ids, accounts)
    specs = []
    for loan_id, currency in loans:
        interest_owed, penalty_owed = targets.get(loan_id, (ZERO, ZERO))
        suspense = balances.get(loan_id, {}).get(chart.INTEREST_SUSPENSE, ZERO)
        penalty_in = penalty_part.get(loan_id, ZERO)
        interest_delta = interest_owed - (suspense - penalty_in)
        penalty_delta = penalty_owed - penalty_in
        memo = (
            f"Returned to accrual: nothing past due since {release[loan_id]}"
            if loan_id in release
            else ""
        )
        if interest_delta:
            specs.append(
                _suspense_spec(
                    INTEREST_SUSPENSE_KIND,
                    f"interest-suspense:{loan_id}:{today}",
                    chart.INTEREST_INCOME,
                    interest_delta,
                    loan_id,
                    today,
                    currency,
                    memo,
                )
            )
        if penalty_delta:
            specs.append(
                _suspense_spec(
                    PENALTY_SUSPENSE_KIND,
                    f"penalty-suspense:{loan_id}:{today}",
                    chart.PENALTY_INCOME,
                    penalty_delta,
                    loan_id,
                    today,
                    currency,
                    memo,
                )
            )
    return specs


def _performing_again(candidates: list[tuple], today: date) -> dict[int, date]:
    """Non-accrual loans with nothing past due since a cure at least
    `ACCRUAL_REINSTATEMENT_DAYS` ago: loan id → the date of that (last) cure."""
    current = [row[0] for row in candidates if row[3] and row[1] == ACTIVE and row[2] == 0]
    if not current:
        return {}
    cured: dict[int, date] = {}
    for loan_id, on in LoanTransition.objects.filter(
        loan_id__in=current,
        from_status=Loan.Status.DELINQUENT,
        to_status=Loan.Status.ACTIVE,
    ).values_list("loan_id", "business_date"):
        cured[loan_id] = max(on, cured.get(loan_id, on))
    return {
        loan_id: on
        for loan_id, on in cured.items()
        if (today - on).days >= ACCRUAL_REINSTATEMENT_DAYS
    }


def _transition(ids: list[int], action: str, today: date, reasons: dict[int, str]) -> int:
    if not ids:
        return 0
    loans = list(Loan.objects.select_for_update().filter(id__in=ids).order_by("id"))
    loan_transition_bulk(
        loans=loans, action=action, actor=ACTOR, business_date=today, reasons=reasons
    )
    return len(loans)


def states_update(chunk: Chunk) -> StepResult:
    today = chunk.business_date
    # Locked for the step: a repayment landing meanwhile waits, so states and books agree.
    candidates = list(
        Loan.objects.select_for_update()
        .filter(chunk.loans())
        .filter(
            Q(status=Loan.Status.DELINQUENT)
            | Q(status=Loan.Status.ACTIVE, days_past_due__gt=0)
            | Q(non_accrual=True, status__in=(*OPEN, PAID_OFF))
        )
        .values_list(
            "id", "status", "days_past_due", "non_accrual", "charge_off_days_past_due", "currency"
        )
    )
    if not candidates:
        return StepResult()
    accounts = accounts_by_id()
    now = timezone.now()
    newly_suspended = [
        row for row in candidates if row[1] in OPEN and not row[3] and row[2] >= NON_ACCRUAL_DAYS
    ]
    suspended = [row for row in candidates if row[3]] + newly_suspended
    reinstated = _performing_again(candidates, today)
    specs = _suspense_true_up(
        [(row[0], row[5]) for row in suspended], today, accounts, release=reinstated
    )
    entries_post_bulk(specs=specs, actor=ACTOR)
    flags = [(row[0], True) for row in newly_suspended]
    flags += [(row[0], False) for row in suspended if row[1] == PAID_OFF]
    flags += [(loan_id, False) for loan_id in reinstated]
    rows_update("loans_loan", [("non_accrual", "boolean")], flags, constants={"updated_at": now})
    loans_non_accrual([(row[0], row[2]) for row in newly_suspended], today)

    charged = [row for row in candidates if row[1] in OPEN and row[2] >= row[4]]
    balances = loan_balances(
        loans=Q(loan_id__in=[row[0] for row in charged]),
        codes=[*RECEIVABLES, chart.ALLOWANCE, chart.INTEREST_SUSPENSE, chart.DEFERRED_YIELD],
        accounts=accounts,
    )
    write_offs = []
    for loan_id, _, _, _, _, currency in charged:
        lines = write_off_lines(loan_id, balances.get(loan_id, {}))
        if lines:
            write_offs.append(
                EntrySpec(
                    kind=WRITE_OFF_KIND,
                    business_date=today,
                    idempotency_key=write_off_key(loan_id),
                    currency=currency,
                    lines=lines,
                    memo=f"Charge-off of loan {loan_id}",
                )
            )
    entries_post_bulk(specs=write_offs, actor=ACTOR)
    charged_ids = [row[0] for row in charged]
    moved = _transition(
        charged_ids,
        "charge_off",
        today,
        {row[0]: f"{row[2]} days past due (charge-off at {row[4]})" for row in charged},
    )
    rows_update(
        "loans_loan",
        [("risk_category", "text")],
        [(loan_id, "loss") for loan_id in charged_ids],
        constants={"updated_at": now},
    )

    skip = set(charged_ids)
    late = [row for row in candidates if row[0] not in skip and row[1] == Loan.Status.ACTIVE]
    late = [row for row in late if row[2] > 0]
    cured = [row for row in candidates if row[1] == Loan.Status.DELINQUENT and row[2] == 0]
    moved += _transition(
        [row[0] for row in late],
        "mark_delinquent",
        today,
        {row[0]: f"{row[2]} days past due" for row in late},
    )
    moved += _transition(
        [row[0] for row in cured], "cure", today, {row[0]: "nothing past due" for row in cured}
    )
    return StepResult(loans=moved + len(flags), entries=len(specs) + len(write_offs))
