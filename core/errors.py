"""Domain errors: the one exception family services raise instead of returning flags.

The API turns them into RFC 9457 problem+json responses with `status_code`; commands turn them
into `CommandError`s. Each app subclasses `DomainError` for its own rules.
"""


class DomainError(Exception):
    status_code = 409
    code = "domain-error"
    title = "The request conflicts with the state of the books."

    def __init__(self, detail: str, **context):
        super().__init__(detail)
        self.detail = detail
        self.context = context


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency-key-reused"
    title = "The idempotency key was already used for a different request."
