"""Domain errors: the one exception family services raise instead of returning flags.

The API turns them into RFC 9457 problem+json responses with `status_code`; commands turn them
into `CommandError`s.
"""


class DomainError(Exception):
    status_code = 409
    code = "domain-error"
    title = "The request conflicts with the state of the books."

    def __init__(self, detail: str, **context):
        super().__init__(detail)
        self.detail = detail
        self.context = context


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
