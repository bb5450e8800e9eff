"""How a settlement's discount (the payoff less what the borrower agreed to pay) is booked.

The discount is taken from the amounts owed in a fixed order: penalty interest waived first,
then interest, then fees, and principal forgiven last (a loss). The borrower's payments thus
cover principal before anything else, whatever order they were allocated in: the lender gives
up income before it gives up principal.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

DISCOUNT_ORDER = ("penalty", "interest", "fee", "principal")
ZERO = Decimal("0")


def discount_split(discount: Decimal, owed: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """`discount` taken from `owed` (per component) in `DISCOUNT_ORDER`; principal takes any
    rest, so the parts always sum to `discount`."""
    if discount < 0:
        raise ValueError(f"A discount cannot be negative: {discount}.")
    left = discount
    split = {}
    for component in DISCOUNT_ORDER:
        available = max(owed.get(component, ZERO), ZERO)
        part = left if component == "principal" else min(left, available)
        split[component] = part
        left -= part
    return split


def discount_share(discount: Decimal, payoff: Decimal) -> Decimal:
    """The discount as a fraction of the payoff quote (to 8 places, as rates are kept)."""
    if payoff <= 0:
        return ZERO
    return (discount / payoff).quantize(Decimal("0.00000001"))
