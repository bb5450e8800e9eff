"""The signed terms read in words: a snapshot stores product and loan field names and codes
(``"method": "equal_installment"``, ``"day_count": "act/360"``); the loan 360 page shows each
name as the field's label and each code as its choice label, in the reader's language. The
stored snapshot is never changed: this is only how it is read."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from loans.models import Allocation, Loan, Product
from loans.models.product_validation import APR_METHOD_LABELS

# Snapshot keys that are not a field of the product or the loan.
KEY_LABELS: dict[str, Promise] = {
    "version": _("snapshot version"),
    "disclosure": _("disclosure"),
    "schedule_terms": _("schedule terms"),
    "level_amount": _("level installment"),
    "pricing": _("pricing"),
    "product": _("product"),
    "guarantor_contact_allowed": _("guarantor may be contacted"),
    "due_day": _("due day"),
    "fee_base": _("fee base"),
    "minor_unit": _("minor unit"),
    "id": _("ID"),
    "credit_line": _("credit line"),
    "pricing_band": _("pricing band"),
    "base_rate": _("base rate"),
    "adjustments": _("pricing adjustments"),
    "subsidy": _("subsidy"),
}
# Codes that no model field's choices name.
VALUE_LABELS: dict[str, dict[str, Promise]] = {
    "rounding": {
        "half_up": _("round half up"),
        "half_even": _("round half to even"),
        "half_down": _("round half down"),
        "down": _("round down"),
        "up": _("round up"),
        "ceiling": _("round towards +∞"),
        "floor": _("round towards −∞"),
    },
    "installment_rounding": {"cent": _("to the cent"), "whole_unit": _("to the whole unit")},
    "apr_method": APR_METHOD_LABELS,
    # the loan's bucket: "current" in words; the day ranges (1-30, 180+) read as they are
    "delinquency_bucket": {"current": _("current")},
}


def _field(key: str):
    for model in (Product, Loan):
        try:
            return model._meta.get_field(key)
        except FieldDoesNotExist:
            continue
    return None


def term_name(key: str) -> str:
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    field = _field(key)
    return str(field.verbose_name) if field is not None and not field.auto_created else key


def term_value(key: str, value: object) -> str:
    """One value in words: yes or no, a choice's label, components by name; a number, a date
    or a code nobody named as stored."""
    if value is True or value is False:
        return gettext("Yes") if value else gettext("No")
    if key == "allocation_order" and isinstance(value, list):
        components = dict(Allocation.Component.choices)
        return ", ".join(str(components.get(item, item)) for item in value)
    if isinstance(value, list):
        return ", ".join(term_value(key, item) for item in value)
    text = str(value)
    if key in VALUE_LABELS and text in VALUE_LABELS[key]:
        return str(VALUE_LABELS[key][text])
    field = _field(key)
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    return str(choices.get(text, text))
