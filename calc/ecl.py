"""Expected credit loss (IFRS 9 5.5, CAS 22): staging, PD term structures from roll rates, and
ECL = Σ PD × LGD × EAD discounted at the effective interest rate.

Staging (IFRS 9 5.5.3, B5.5.37): stage 3 (credit-impaired) at 90 days past due, on non-accrual
or a charge-off pending; stage 2 (a significant increase in credit risk) at 30 days past due, on
a restructuring, a watch-list flag or a score downgrade; stage 1 otherwise. A loan moves back to
a better stage only after a cure period in which it met that stage's conditions.

PD term structures are estimated from the book's own history: the month-to-month transition
(roll-rate) matrix between delinquency states counted from the month-end captures, with default
an absorbing state; the cumulative PD over m months from a state is the default column of the
matrix to the power m. Each month's marginal PD gets a floor and the forward-looking overlay
(Σ scenario weight × multiplier, each capped at 1).

ECL is 12 months of marginal PDs in stage 1, the remaining life in stages 2 and 3 (a stage-3
loan has defaulted: its PD is one), each month's loss the PD × LGD × the exposure then, discounted
to today at the EIR by (1 + EIR)^(−m/12).
"""

from __future__ import annotations

import decimal
import operator
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from calc.money import Rounding
from core.money import ZERO

__all__ = [
    "DEFAULT_STATE",
    "Scenario",
    "StageInputs",
    "expected_credit_loss",
    "lgd_from_recoveries",
    "loss_precision",
    "loss_weights",
    "marginal_pds",
    "pd_term_structure",
    "stage_for",
    "transition_matrix",
    "weighted_loss",
    "weighted_sum",
]

DEFAULT_STATE = "default"
ONE = Decimal(1)
_PRECISION = 34
TWELVE_MONTHS = 12


@dataclass(frozen=True, slots=True)
class StageInputs:
    days_past_due: int
    non_accrual: bool = False
    charge_off_pending: bool = False
    restructured: bool = False
    watch_list: bool = False
    score_downgraded: bool = False


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    weight: Decimal
    multiplier: Decimal


def stage_for(
    inputs: StageInputs,
    *,
    previous: int | None = None,
    cured_days: int = 0,
    cure_period_days: int = 90,
    stage2_days: int = 30,
    stage3_days: int = 90,
) -> tuple[int, str]:
    """(stage, reason). `previous` is the stage held; `cured_days` how long the loan has met a
    better stage's conditions: it moves back only once they reach `cure_period_days`."""
    if inputs.days_past_due >= stage3_days:
        met, reason = 3, f"{inputs.days_past_due} days past due (backstop {stage3_days})"
    elif inputs.non_accrual:
        met, reason = 3, "non-accrual"
    elif inputs.charge_off_pending:
        met, reason = 3, "charge-off pending"
    elif inputs.days_past_due >= stage2_days:
        met, reason = 2, f"{inputs.days_past_due} days past due (backstop {stage2_days})"
    elif inputs.restructured:
        met, reason = 2, "restructured"
    elif inputs.watch_list:
        met, reason = 2, "watch list"
    elif inputs.score_downgraded:
        met, reason = 2, "score downgrade"
    else:
        met, reason = 1, "performing"
    if previous is not None and met < previous and cured_days < cure_period_days:
        return previous, f"in cure ({cured_days} of {cure_period_days} days)"
    if previous is not None and met < previous:
        return met, f"cured after {cured_days} days: {reason}"
    return met, reason


def transition_matrix(
    counts: Mapping[tuple[str, str], int], states: Sequence[str]
) -> dict[str, dict[str, Decimal]]:
    """Row-normalized month-to-month transition probabilities from counts of (from, to) pairs;
    default absorbs, and a state never seen stays where it is."""
    matrix: dict[str, dict[str, Decimal]] = {}
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        for origin in states:
            row = {target: ZERO for target in states}
            if origin == DEFAULT_STATE:
                row[DEFAULT_STATE] = ONE
            else:
                total = sum((counts.get((origin, target), 0) for target in states), 0)
                if total == 0:
                    row[origin] = ONE
                else:
                    for target in states:
                        row[target] = Decimal(counts.get((origin, target), 0)) / total
            matrix[origin] = row
    return matrix


def pd_term_structure(
    matrix: Mapping[str, Mapping[str, Decimal]], start: str, months: int
) -> list[Decimal]:
    """Cumulative PD after 1..`months` months from `start` (the default column of Pᵐ)."""
    states = list(matrix)
    vector = {state: (ONE if state == start else ZERO) for state in states}
    cumulative = []
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        for _ in range(months):
            vector = {
                target: sum((vector[origin] * matrix[origin][target] for origin in states), ZERO)
                for target in states
            }
            cumulative.append(vector[DEFAULT_STATE])
    return cumulative


def marginal_pds(
    cumulative: Sequence[Decimal],
    *,
    floor: Decimal = ZERO,
    scenarios: Sequence[Scenario] = (),
) -> list[Decimal]:
    """Each month's marginal PD (the increase of the cumulative PD) with the scenario overlay
    (Σ weight × min(1, PD × multiplier); weights sum to one) and the floor."""
    if scenarios and sum((s.weight for s in scenarios), ZERO) != ONE:
        raise ValueError("scenario weights must sum to 1")
    marginals, before = [], ZERO
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        for value in cumulative:
            marginal = max(value - before, ZERO)
            before = value
            if scenarios:
                marginal = sum(
                    (s.weight * min(ONE, marginal * s.multiplier) for s in scenarios), ZERO
                )
            marginals.append(max(marginal, floor))
    return marginals


def lgd_from_recoveries(
    *,
    written_off: int,
    losses: Decimal,
    recoveries: Decimal,
    fallback: Decimal,
    floor: Decimal,
    min_write_offs: int,
) -> tuple[Decimal, str]:
    """(LGD, where it came from): 1 − recoveries ÷ losses over `written_off` loans written off
    (the workout LGD of the book's own history), not below `floor` nor above one; `fallback`
    (the configured LGD) while the history is thinner than `min_write_offs` loans or shows no
    loss. The ratio is kept to 4 decimal places."""
    if written_off < min_write_offs or losses <= 0:
        return fallback, f"configured ({written_off} write-offs, {min_write_offs} needed)"
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        observed = (ONE - recoveries / losses).quantize(Decimal("0.0001"))
    return min(ONE, max(floor, observed)), f"recoveries on {written_off} write-offs"


def loss_weights(
    *, stage: int, months: int, marginal_pd: Sequence[Decimal], lgd: Decimal, annual_eir: Decimal
) -> tuple[Decimal, ...]:
    """What each month's exposure counts for in the ECL of a loan in `stage` with `months` of
    exposures left: PD × LGD × (1 + EIR)^(−m/12) over 12 months in stage 1 and the remaining
    life in stage 2; LGD on today's exposure in stage 3. Loans that share their terms share
    their weights."""
    if stage not in (1, 2, 3):
        raise ValueError(f"stage is 1, 2 or 3, not {stage}")
    if stage == 3:
        return (lgd,)
    horizon = min(months, TWELVE_MONTHS if stage == 1 else months)
    if len(marginal_pd) < horizon:
        raise ValueError(f"{horizon} months of PDs are needed, {len(marginal_pd)} given")
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        monthly = _monthly_discount(annual_eir)
        discount, weights = ONE, []
        for month in range(horizon):
            discount *= monthly
            weights.append(marginal_pd[month] * lgd * discount)
    return tuple(weights)


def expected_credit_loss(
    *,
    stage: int,
    exposures: Sequence[Decimal],
    marginal_pd: Sequence[Decimal],
    lgd: Decimal,
    annual_eir: Decimal,
    rounding: Rounding,
) -> Decimal:
    """The allowance of one loan: `exposures[m]` is the exposure at default in month m + 1
    (the schedule's balance then plus accrued interest), `marginal_pd[m]` that month's PD.
    Stage 1 counts 12 months, stages 2 and 3 the whole of `exposures`; stage 3 has defaulted
    (PD one, the loss on today's exposure)."""
    if not exposures:
        return ZERO
    weights = loss_weights(
        stage=stage,
        months=len(exposures),
        marginal_pd=marginal_pd,
        lgd=lgd,
        annual_eir=annual_eir,
    )
    return weighted_loss(weights, exposures, rounding)


def weighted_loss(
    weights: Sequence[Decimal], exposures: Sequence[Decimal], rounding: Rounding
) -> Decimal:
    """Σ weight × exposure, rounded (`loss_weights`)."""
    with loss_precision():
        total = weighted_sum(weights, exposures)
    return rounding(total)


def loss_precision() -> AbstractContextManager[decimal.Context]:
    """The precision `weighted_sum` must run in. A book's measure enters it once for many
    loans: entered per loan, it costs half as much as the loan's sum."""
    return decimal.localcontext(prec=_PRECISION)


def weighted_sum(weights: Sequence[Decimal], exposures: Sequence[Decimal]) -> Decimal:
    """Σ weight × exposure, unrounded; only inside `loss_precision()` (`weighted_loss`)."""
    # map stops at the shorter of the two, like zip(strict=False)
    return sum(map(operator.mul, weights, exposures), ZERO)


@lru_cache(maxsize=4096)
def _monthly_discount(annual_eir: Decimal) -> Decimal:
    """(1 + EIR)^(−1/12) in Decimal (exp/ln: the exponent is not an integer)."""
    return ((ONE + annual_eir).ln() / -TWELVE_MONTHS).exp()
