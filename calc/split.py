"""Splitting an amount between funders by their shares, exact to the minor unit.

The largest-remainder rule (Hamilton's method): every funder first gets its share of the amount
rounded down to the minor unit; the units left over go one each to the funders with the largest
remainders, ties broken by the funders' order. The parts always sum exactly to the amount, each
part is within one minor unit of its exact share, and the same inputs always give the same parts.
A negative amount is split as its magnitude and the parts negated, so a reversal splits exactly
as the entry it reverses.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal

from .money import CENT, ZERO, MoneyError

ONE = Decimal(1)


def shares_check(shares: Sequence[Decimal]) -> None:
    """Refuse shares that are not Decimals in [0, 1] summing to exactly one."""
    if not shares:
        raise MoneyError("at least one share is needed")
    for share in shares:
        if type(share) is not Decimal:
            raise MoneyError(f"shares must be Decimal, not {type(share).__name__}")
        if share < ZERO or share > ONE:
            raise MoneyError(f"a share must lie between 0 and 1, not {share}")
    total = sum(shares, ZERO)
    if total != ONE:
        raise MoneyError(f"shares must sum to 1, not {total}")


def largest_remainder(
    amount: Decimal, shares: Sequence[Decimal], *, unit: Decimal = CENT
) -> list[Decimal]:
    """``amount`` split by ``shares`` (in the funders' order), parts summing exactly to it."""
    shares_check(shares)
    if type(amount) is not Decimal:
        raise MoneyError(f"money must be Decimal, not {type(amount).__name__}")
    if amount.quantize(unit) != amount:
        raise MoneyError(f"{amount} is finer than the minor unit {unit}")
    if amount < ZERO:
        return [-part for part in largest_remainder(-amount, shares, unit=unit)]
    units = int(amount / unit)
    exact = [units * share for share in shares]
    floors = [int(value.to_integral_value(rounding=ROUND_FLOOR)) for value in exact]
    left = units - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[:left]:
        floors[index] += 1
    return [unit * part for part in floors]


def split_components(
    components: dict[str, Decimal], shares: Sequence[Decimal], *, unit: Decimal = CENT
) -> list[dict[str, Decimal]]:
    """Each component (principal, interest, fee, penalty, …) split on its own: every funder's
    parts, and each component's parts summing exactly to the component."""
    parts: list[dict[str, Decimal]] = [{} for _ in shares]
    for name, amount in components.items():
        for index, part in enumerate(largest_remainder(amount, shares, unit=unit)):
            parts[index][name] = part
    return parts


def split_by_weights(
    amount: Decimal, weights: Sequence[Decimal], *, unit: Decimal = CENT
) -> list[Decimal]:
    """``amount`` split in proportion to non-negative ``weights`` (a price over loans by their
    carrying amounts), largest remainder, exact: the shares are kept as fractions, never
    rounded. Equal weights when they sum to zero."""
    from fractions import Fraction

    if not weights:
        raise MoneyError("at least one weight is needed")
    if any(weight < ZERO for weight in weights):
        raise MoneyError("weights must not be negative")
    total = sum(weights, ZERO)
    fractions = (
        [Fraction(1, len(weights))] * len(weights)
        if total == ZERO
        else [Fraction(weight) / Fraction(total) for weight in weights]
    )
    if amount.quantize(unit) != amount:
        raise MoneyError(f"{amount} is finer than the minor unit {unit}")
    sign = -1 if amount < ZERO else 1
    units = int(abs(amount) / unit)
    exact = [units * share for share in fractions]
    floors = [value.numerator // value.denominator for value in exact]
    left = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[:left]:
        floors[index] += 1
    return [sign * unit * part for part in floors]
