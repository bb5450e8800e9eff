"""Choices whose values come from a plain enum or tuple (the pure `calc` and rules modules hold
no Django): the label is the value in words, translated when shown. The zh-hans catalogue holds
each of these labels; `tests/house/test_translation_catalogue.py` fails on one it lacks."""

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


def value_choices(values: Iterable) -> list[tuple[str, Promise]]:
    return [(str(value), gettext_lazy(str(value).replace("_", " "))) for value in values]
