"""The one error every APR calculation raises."""


class AprError(ValueError):
    """The cash flows have no APR (nothing advanced, nothing repaid, dates out of order, or no
    rate above −100% balances them)."""
