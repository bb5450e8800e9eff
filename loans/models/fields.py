DEFAULT_ALLOCATION_ORDER = ["penalty", "fee", "interest", "principal"]
COMPONENTS = ("principal", "interest", "fee", "penalty")


def default_allocation_order() -> list[str]:
    # China Civil Code art. 561: expenses, then interest, then principal.
    return list(DEFAULT_ALLOCATION_ORDER)
