"""Domain errors of origination and credit lines (turned into problem+json by the API)."""

from core.errors import DomainError


class OriginationError(DomainError):
    status_code = 422
    code = "origination-rule"
    title = "The request breaks a rule of origination or the credit line."


class ApplicationStateError(DomainError):
    status_code = 409
    code = "application-state"
    title = "The application cannot make that change in its current state."


class PolicyError(DomainError):
    status_code = 422
    code = "credit-policy"
    title = "The credit policy is not valid or cannot be changed."


class CreditLineStateError(DomainError):
    status_code = 409
    code = "credit-line-state"
    title = "The credit line cannot be drawn or changed in its current state."


class CreditLimitExceeded(DomainError):
    status_code = 422
    code = "credit-limit-exceeded"
    title = "The drawdown is above the credit line's available amount."


class DrawdownIdempotencyConflict(DomainError):
    status_code = 422
    code = "idempotency-key-reused"
    title = "The idempotency key was already used for a different drawdown."
