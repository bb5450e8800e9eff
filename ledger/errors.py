"""The ledger's domain errors (subclasses of `core.errors.DomainError`)."""

from core.errors import DomainError


class PostingRejected(DomainError):
    status_code = 422
    code = "posting-rejected"
    title = "The journal entry is not valid."


class IdempotencyConflict(DomainError):
    status_code = 409
    code = "idempotency-conflict"
    title = "The idempotency key was already used for different content."


class AlreadyReversed(DomainError):
    status_code = 409
    code = "already-reversed"
    title = "The journal entry has already been reversed."


class BusinessDateError(DomainError):
    status_code = 409
    code = "business-date"
    title = "The business date cannot move that way."
