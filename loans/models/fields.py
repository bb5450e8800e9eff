from decimal import Decimal

AMOUNT = {"max_digits": 20, "decimal_places": 2}
RATE = {"max_digits": 12, "decimal_places": 8}
ZERO = Decimal("0")

DEFAULT_ALLOCATION_ORDER = ["penalty", "fee", "interest", "principal"]
COMPONENTS = ("principal", "interest", "fee", "penalty")


def default_allocation_order() -> list[str]:
    # China Civil Code art. 561: expenses, then interest, then principal.
    return list(DEFAULT_ALLOCATION_ORDER)
