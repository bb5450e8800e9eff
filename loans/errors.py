from core.errors import DomainError, IdempotencyKeyReused

__all__ = ["IdempotencyKeyReused", "LoanRuleError", "LoanStateError"]


class LoanStateError(DomainError):
    status_code = 409
    code = "illegal-transition"
    title = "The loan cannot make that change in its current state."


class LoanRuleError(DomainError):
    status_code = 422
    code = "loan-rule"
    title = "The request breaks a rule of the loan or its product."
