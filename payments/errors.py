"""The payment layer's domain errors (problem+json through the API's one handler)."""

from core.errors import DomainError


class PaymentError(DomainError):
    status_code = 422
    code = "payment-refused"
    title = "The payment was refused."


class OrderNotFound(DomainError):
    status_code = 404
    code = "payment-order-not-found"
    title = "No such payment order."


class CallbackRefused(DomainError):
    status_code = 401
    code = "callback-signature"
    title = "The callback is not signed by the gateway, or its timestamp is stale."


class GatewayUnavailable(DomainError):
    status_code = 503
    code = "gateway-unavailable"
    title = "The payment gateway did not answer."


class MandateError(DomainError):
    status_code = 409
    code = "mandate-refused"
    title = "The debit mandate does not allow it."
