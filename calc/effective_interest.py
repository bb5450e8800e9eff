"""The effective-interest method (IFRS 9 B5.4.1–B5.4.7, CAS 22): the effective interest rate
(EIR) of a loan and the amortization of the fees, subsidies and costs deferred at recognition.

Fees that are an integral part of the yield are not income the day the loan is made: they are
deferred and recognized as interest over the loan's life, so that interest income is the
carrying amount × the EIR. The EIR is the rate that discounts the contractual cash flows to the
net carrying amount at recognition:

    carrying₀ = recognized − deferred = Σ CFₖ · d^tₖ

where `recognized` is what the contract's receivables hold at recognition (the principal, plus an
upfront fee charged to the first installment rather than withheld), tₖ the day-count days from
the start to the k-th cash flow (the product's convention) and d the daily discount factor. The
EIR is reported as the annual effective rate d^(−basis) − 1. Solving for d (a polynomial in
d, integer powers only) keeps the whole calculation in Decimal without a logarithm.

Each period's interest at the EIR is carrying × (d^(−days) − 1); the part above the contractual
interest is the period's amortization of the deferred amount. The amortization is rounded on its
cumulative sum, and the last period takes the remainder, so over the life it sums exactly to the
deferred amount and the carrying amount at maturity is zero to the cent.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from calc.money import Rounding
from core.money import ZERO

__all__ = [
    "EffectiveInterestError",
    "EirPeriod",
    "EirSchedule",
    "effective_interest_schedule",
]

_PRECISION = 40
_TOLERANCE = Decimal("1e-30")
_MAX_ITERATIONS = 200
_ONE = Decimal(1)
RATE_QUANTUM = Decimal("1e-12")


class EffectiveInterestError(ValueError):
    """Cash flows that have no effective interest rate, or that do not add up."""


@dataclass(frozen=True, slots=True)
class EirPeriod:
    """One period of a schedule: its day-count days, the cash flow at its end (principal,
    contractual interest and any yield fee paid with it) and its contractual interest."""

    days: int
    cash_flow: Decimal
    interest: Decimal


@dataclass(frozen=True, slots=True)
class EirSchedule:
    """The EIR and, per period, the amortization of the deferred amount (rounded; they sum to
    `deferred` exactly) and the carrying amount at the period's end (rounded)."""

    annual_rate: Decimal
    daily_factor: Decimal
    deferred: Decimal
    amortization: tuple[Decimal, ...]
    carrying: tuple[Decimal, ...]


def effective_interest_schedule(
    *,
    recognized: Decimal,
    deferred: Decimal,
    periods: Sequence[EirPeriod],
    basis: int,
    rounding: Rounding,
    daily_factor: Decimal | None = None,
) -> EirSchedule:
    """The EIR of the flows (or the given `daily_factor`, to re-spread at an original EIR) and
    the amortization of `deferred` over `periods` (see the module docstring).

    `recognized` must equal the principal and yield fees the cash flows repay (Σ cash flow −
    Σ interest); `deferred` is positive for net fees and subsidies (income to spread), negative
    for net costs."""
    if not periods:
        raise EffectiveInterestError("there are no periods to spread over")
    if any(period.days < 0 for period in periods):
        raise EffectiveInterestError("a period cannot have negative days")
    repaid = sum((p.cash_flow - p.interest for p in periods), ZERO)
    if repaid != recognized:
        raise EffectiveInterestError(
            f"the cash flows repay {repaid}, not the {recognized} recognized"
        )
    carrying = recognized - deferred
    if carrying <= 0:
        raise EffectiveInterestError(
            f"the deferred amount {deferred} leaves no carrying amount of {recognized}"
        )
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        times = _times(periods)
        if daily_factor is None:
            daily_factor = (
                _ONE if deferred == 0 and _flat(periods) else _solve(periods, times, carrying)
            )
        amortization, carried = _amortize(periods, carrying, deferred, daily_factor, rounding)
        annual = _ONE / daily_factor**basis - _ONE
    return EirSchedule(
        annual_rate=annual.quantize(RATE_QUANTUM),
        daily_factor=daily_factor,
        deferred=deferred,
        amortization=amortization,
        carrying=carried,
    )


def _flat(periods: Sequence[EirPeriod]) -> bool:
    return all(period.interest == 0 for period in periods)


def _times(periods: Sequence[EirPeriod]) -> list[int]:
    elapsed, times = 0, []
    for period in periods:
        elapsed += period.days
        times.append(elapsed)
    return times


def _present_value(
    periods: Sequence[EirPeriod], times: list[int], factor: Decimal
) -> tuple[Decimal, Decimal]:
    """Σ CF·d^t and its derivative Σ t·CF·d^(t−1), the powers built step by step (periods of
    the same length share one integer power)."""
    powers: dict[int, Decimal] = {}
    discount = _ONE
    value = slope = ZERO
    for period, time in zip(periods, times, strict=True):
        step = powers.get(period.days)
        if step is None:
            step = powers[period.days] = factor**period.days
        discount *= step
        value += period.cash_flow * discount
        slope += time * period.cash_flow * discount
    return value, slope / factor


def _solve(periods: Sequence[EirPeriod], times: list[int], carrying: Decimal) -> Decimal:
    """d in (0, 1] … or above 1 for a negative yield: Newton's method from the linearized
    equation, kept inside a bracket that bisection narrows when a step leaves it."""
    paid = sum((p.cash_flow for p in periods), ZERO)
    weighted = sum((t * p.cash_flow for p, t in zip(periods, times, strict=True)), ZERO)
    if paid <= 0 or weighted <= 0:
        raise EffectiveInterestError("the cash flows repay nothing after the start")
    # PV is decreasing in the daily rate; start from PV ≈ paid − rate·weighted.
    factor = _ONE / (_ONE + (paid - carrying) / weighted)
    low, high = ZERO, None
    for _ in range(_MAX_ITERATIONS):
        value, slope = _present_value(periods, times, factor)
        residual = value - carrying
        if not residual:
            return factor
        if residual > 0:
            high = factor  # too much value: discount harder (a smaller factor)
        else:
            low = factor
        candidate = factor - residual / slope if slope > 0 else factor
        if candidate <= low or (high is not None and candidate >= high):
            candidate = (low + high) / 2 if high is not None else factor * 2
        if abs(candidate - factor) <= _TOLERANCE:
            return candidate
        factor = candidate
    raise EffectiveInterestError("the effective interest rate did not converge")


def _amortize(
    periods: Sequence[EirPeriod],
    carrying: Decimal,
    deferred: Decimal,
    factor: Decimal,
    rounding: Rounding,
) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...]]:
    exact_carrying = carrying
    exact_total = ZERO
    booked = ZERO
    amounts: list[Decimal] = []
    carried: list[Decimal] = []
    rounded_carrying = carrying
    last = len(periods) - 1
    for index, period in enumerate(periods):
        income = exact_carrying * (_ONE / factor**period.days - _ONE)
        exact_total += income - period.interest
        exact_carrying += income - period.cash_flow
        cumulative = deferred if index == last else rounding(exact_total)
        amount = cumulative - booked
        booked = cumulative
        amounts.append(amount)
        rounded_carrying += period.interest + amount - period.cash_flow
        carried.append(rounded_carrying)
    return tuple(amounts), tuple(carried)
