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


class JournalMaintenanceRefused(DomainError):
    status_code = 409
    code = "journal-maintenance"
    title = "The journal's partitions or archive cannot change that way."


class PeriodCloseRefused(DomainError):
    status_code = 409
    code = "period-close-refused"
    title = "The accounting period cannot be closed that way."


ARCHIVED_MONTH_CONSTRAINT = "journalline_month_archived"


def archived_month_refusal(exc: Exception, business_date) -> PostingRejected | None:
    """The posting error for a line the database refused because its month is archived (the
    partition below the archive's horizon refuses every row, migration 0006), else None."""
    if ARCHIVED_MONTH_CONSTRAINT not in str(exc):
        return None
    return PostingRejected(
        f"The business date {business_date} is in an archived month of the journal; "
        "archived months take no postings (post a correction in an open month)."
    )


PERIOD_CLOSED_CONSTRAINT = "journalentry_period_closed"


def closed_period_refusal(exc: Exception, business_date) -> PostingRejected | None:
    """The posting error for an entry the database refused because its period is closed (a
    process that had not yet seen the close): posted again, it is booked in the open period."""
    if PERIOD_CLOSED_CONSTRAINT not in str(exc):
        return None
    return PostingRejected(
        f"The accounting period of {business_date} was closed meanwhile; post the entry again "
        "to book it in the open period."
    )
