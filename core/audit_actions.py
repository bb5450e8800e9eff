"""What each audit action is called where people read it. An event stores its action as a code
(``loan.disburse``); the apps that record actions name them (`audit_actions_register`, from
`AppConfig.ready()`), and pages show `audit_action_label(action)`, the code itself for an action
nobody named."""

from collections.abc import Mapping

from django.utils.functional import Promise

_labels: dict[str, Promise | str] = {}


def audit_actions_register(labels: Mapping[str, Promise | str]) -> None:
    _labels.update(labels)


def audit_action_label(action: str) -> str:
    return str(_labels.get(action, action))
