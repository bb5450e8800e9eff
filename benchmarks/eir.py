"""The effective-interest method's cost per loan at disbursement: the schedule's flows as EIR
periods, the EIR solved and the deferred fee spread over the periods (`calc.effective_interest`).

Run with ``python benchmarks/eir.py``. Single process, pure calculation (no database). The last
line printed is a JSON object with ``ms_per_loan_12`` and ``ms_per_loan_360``.

Targets (issue 15): 12 periods ≤ 1 ms, 360 periods ≤ 10 ms per loan.
"""

from __future__ import annotations

import json
import platform
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import seconds_per_call  # noqa: E402

from calc.daycount import parse_day_count  # noqa: E402
from calc.effective_interest import (  # noqa: E402
    EirPeriod,
    EirSchedule,
    effective_interest_schedule,
)
from calc.money import Rounding  # noqa: E402
from calc.schedules import ScheduleTerms, build_schedule  # noqa: E402

TARGET_MS = {12: 1.0, 360: 10.0}
ITERATIONS = {12: 1000, 360: 30}
CENT = Rounding("half_up", Decimal("0.01"))

LOANS = {
    12: ScheduleTerms(
        principal=Decimal("12000.00"),
        annual_rate=Decimal("0.18"),
        term=12,
        start_date=date(2026, 1, 15),
        upfront_fee=Decimal("240.00"),
    ),
    360: ScheduleTerms(
        principal=Decimal("630000.00"),
        annual_rate=Decimal("0.049"),
        term=360,
        start_date=date(2026, 1, 15),
        day_count="act/365f",
        upfront_fee=Decimal("6300.00"),
    ),
}


def eir_at_disbursement(terms: ScheduleTerms, installments) -> EirSchedule:
    """What disbursement does for the EIR: periods from the rows, the solve and the spread."""
    convention = parse_day_count(terms.day_count)
    periods, previous = [], installments[0].period_start
    for row in installments:
        end = row.contractual_due_date
        periods.append(
            EirPeriod(convention.days(previous, end), row.principal + row.interest, row.interest)
        )
        previous = end
    return effective_interest_schedule(
        recognized=terms.principal,
        deferred=terms.upfront_fee_total,
        periods=periods,
        basis=convention.basis,
        rounding=CENT,
    )


def main() -> None:
    figures: dict[str, float | bool] = {}
    print(f"EIR benchmark — Python {platform.python_version()} on {platform.machine()}")
    for term, terms in LOANS.items():
        installments = build_schedule(terms).installments
        plan = eir_at_disbursement(terms, installments)
        assert sum(plan.amortization) == terms.upfront_fee_total
        per_loan = seconds_per_call(
            lambda terms=terms, rows=installments: eir_at_disbursement(terms, rows),
            ITERATIONS[term],
        )
        figures[f"ms_per_loan_{term}"] = round(per_loan * 1e3, 3)
        figures[f"target_ms_{term}"] = TARGET_MS[term]
        print(
            f"{term:>3} periods: {per_loan * 1e3:8.3f} ms per loan "
            f"(EIR {plan.annual_rate:.6%} on a contractual {terms.annual_rate:.2%}, "
            f"fee {terms.upfront_fee_total} spread exactly)"
        )
    figures["within_targets"] = all(
        figures[f"ms_per_loan_{term}"] <= target for term, target in TARGET_MS.items()
    )
    print(
        f"targets: 12 periods ≤ 1 ms, 360 ≤ 10 ms — {'met' if figures['within_targets'] else 'MISSED'}"
    )
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
