"""Collection services (writes). The end-of-day close calls `cases_sync`."""

from .actions import due_actions_execute, scheduled_action_execute
from .cases import case_update, cases_assign, cases_sync
from .contacts import (
    contact_attempt_request,
    contact_logged,
    contact_outcome_record,
    promise_record,
)

__all__ = [
    "case_update",
    "cases_assign",
    "cases_sync",
    "contact_attempt_request",
    "contact_logged",
    "contact_outcome_record",
    "due_actions_execute",
    "promise_record",
    "scheduled_action_execute",
]
