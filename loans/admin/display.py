"""How the admin shows stored rates and codes: "18%" rather than "0.18000000" or "0E-8", and a
code's label (the product's choices) rather than the raw code."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise

from loans.models import Product
from loans.services.terms_labels import VALUE_LABELS


def percent(value: Decimal | None) -> str:
    """A stored rate (an annual fraction) as a percentage without trailing zeros."""
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).normalize():f}%"


def plain_decimal(value) -> str:
    """A decimal without exponent or trailing zeros, for a form's input ("0", "0.18")."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value


class PlainDecimalField(forms.DecimalField):
    def prepare_value(self, value):
        return plain_decimal(super().prepare_value(value))


def is_rate(field) -> bool:
    return isinstance(field, models.DecimalField) and field.decimal_places == 8


def code_labels(name: str) -> dict[str, Promise | str]:
    """The labels of a code field the loan copies from its product (e.g. method, frequency)."""
    try:
        field = Product._meta.get_field(name)
    except FieldDoesNotExist:
        field = None
    if field is None or not field.choices:
        # rounding modes and APR methods: named where the signed terms are read in words
        return dict(VALUE_LABELS.get(name, {}))
    # the labels stay lazy: read in the language of the page showing them
    return {str(code): label for code, label in field.choices}


def readable_fields(model_admin: type[admin.ModelAdmin], model: type[models.Model]) -> dict:
    """Adds to `model_admin` a read-only display for each rate and each coded field of `model`
    (``<name>_shown``) and returns {field name: display name}."""
    shown = {}
    for field in model._meta.fields:
        labels = code_labels(field.name) if not field.choices else {}
        if not is_rate(field) and not labels:
            continue
        if is_rate(field):

            def show(self, obj, name=field.name):
                return percent(getattr(obj, name))

        else:

            def show(self, obj, name=field.name, labels=labels):
                code = getattr(obj, name)
                return labels.get(code, code)

        display = f"{field.name}_shown"
        setattr(
            model_admin,
            display,
            admin.display(description=field.verbose_name, ordering=field.name)(show),
        )
        shown[field.name] = display
    return shown
