from core.errors import DomainError


class LoanStateError(DomainError):
    status_code = 409
    code = "illegal-transition"
    title = "The loan cannot make that change in its current state."


class LoanRuleError(DomainError):
    status_code = 422
    code = "loan-rule"
    title = "The request breaks a rule of the loan or its product."


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency-key-reused"
    title = "The idempotency key was already used for a different request."
