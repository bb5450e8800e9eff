"""What the close refuses, as problem details."""

from core.errors import DomainError


class CloseError(DomainError):
    status_code = 409
    code = "close"
    title = "The end-of-day close cannot do that."


class LeaseLost(CloseError):
    code = "close_lease_lost"
    title = "The worker's lease on the chunk was taken over; its work was rolled back."
