"""What each audit action is called where people read it. An event stores its action as a code
(``loan.disburse``); the apps that record actions name them (`audit_actions_register`, from
`AppConfig.ready()`), and pages show `audit_action_label(action)`, the code itself for an action
nobody named."""

from collections.abc import Mapping

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_labels: dict[str, Promise | str] = {}


def audit_actions_register(labels: Mapping[str, Promise | str]) -> None:
    _labels.update(labels)


def audit_action_label(action: str) -> str:
    return str(_labels.get(action, action))


# Where an event came from (`AuditEvent.source`), by name.
SOURCE_LABELS: dict[str, Promise] = {
    "admin": _("back office"),
    "api": _("API"),
    "command": _("command"),
    "close": _("end-of-day close"),
    "eod": _("end-of-day close"),
    "system": _("the system"),
    "app": _("borrower app"),
}


def audit_source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))


def audit_object_type_label(object_type: str) -> str:
    """``loans.closerun`` as its model's name; a type no installed model has, as stored."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type
