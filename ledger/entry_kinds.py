"""What each journal entry kind is called where people read it. The ledger stores a kind as a
code and knows none of them beyond its own reversal: the apps that post name their kinds
(`entry_kinds_register`, from `AppConfig.ready()`), and pages show `entry_kind_label(kind)`,
the code itself for a kind nobody named (tests/house/test_translation_catalogue.py fails on a
kind posted in the suite's scenarios that has no name)."""

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_labels: dict[str, Promise | str] = {"reversal": _("Reversal")}


def entry_kinds_register(labels: Mapping[str, Promise | str]) -> None:
    _labels.update(labels)


def entry_kind_label(kind: str) -> str:
    return str(_labels.get(kind, kind))


def entry_kind_labels() -> dict[str, Promise | str]:
    return dict(_labels)
