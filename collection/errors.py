from core.errors import DomainError


class CollectionError(DomainError):
    status_code = 409
    code = "collection"
    title = "The collection case cannot do that in its current state."


class ContactBlocked(DomainError):
    """The conduct guard said no. The blocked attempt is recorded all the same."""

    status_code = 422
    code = "contact-blocked"
    title = "The conduct guard refused the contact."

    def __init__(self, detail: str, *, rule: str, attempt_id: int | None = None, **context):
        super().__init__(detail, rule=rule, attempt_id=attempt_id, **context)
        self.rule = rule
        self.attempt_id = attempt_id


class PromiseError(DomainError):
    status_code = 422
    code = "promise-to-pay"
    title = "The promise to pay cannot be recorded."
