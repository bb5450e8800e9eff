"""Serializer fields and shapes every app's API uses: exact decimals and problem details."""

import re
from decimal import Decimal

from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict


def exact_decimal(**options) -> serializers.DecimalField:
    """A Decimal rendered as given (no re-quantizing), as a string."""
    return serializers.DecimalField(
        max_digits=None, decimal_places=None, coerce_to_string=True, **options
    )


class RateField(serializers.DecimalField):
    """An annual or per-period rate without the storage's trailing zeros ("0.18", not
    "0.18000000"), so a rate reads the same whether it came from a product row or an argument."""

    def __init__(self, **options):
        super().__init__(max_digits=None, decimal_places=None, coerce_to_string=True, **options)

    def to_representation(self, value):
        return super().to_representation(Decimal(value).normalize())


PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class DecimalStringField(serializers.DecimalField):
    """A Decimal input that refuses JSON numbers with a fraction (they arrive as binary floats)
    and strings other than plain decimals: no exponent ("1e3"), no "NaN", "Infinity", spaces or
    thousands separators, so what a client sends is what it reads back."""

    default_error_messages = {
        "float": 'Send amounts as decimal strings, e.g. "12000.00", not as JSON numbers.',
        "plain": 'Send a plain decimal string, e.g. "12000.00": digits, an optional minus sign '
        "and decimal point, no exponent.",
    }

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        if isinstance(data, str) and not PLAIN_DECIMAL.fullmatch(data):
            self.fail("plain")
        return super().to_internal_value(data)


class RefusedFieldsMixin:
    """Fields a client must not send: refused with a 400 naming them (with any other invalid
    field), never silently ignored, so a client that sends one is told it is not accepted."""

    refused_fields: dict[str, str] = {}

    def to_internal_value(self, data):
        sent = data if isinstance(data, dict) else {}
        refused = {name: [text] for name, text in self.refused_fields.items() if name in sent}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if refused and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **refused}) from exc
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (``application/problem+json``)."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field, by dotted path (`payee.name`, `consents.0`); "
        "`non_field_errors` for the body as a whole.",
    )


# A serializer that only renders, with its fields built and bound once per class. DRF deep-copies
# and binds every declared field each time a serializer is made; on the app's hot reads (the loan
# resource, the schedule) that cost as much as reading the rows. Here the fields are bound to a
# blank instance of the class once and shared, so a field of such a serializer must not read the
# serializer's context, instance or parent when it renders: the plain, nested and decimal fields
# used for output do not. Input serializers stay plain. (A comment, not a docstring: the schema
# would show a docstring as every subclass's description.)
class OutputSerializer(serializers.Serializer):
    @property
    def fields(self):
        cls = type(self)
        fields = cls.__dict__.get("_fields_bound_once")
        if fields is None:
            blank = cls.__new__(cls)
            serializers.Serializer.__init__(blank)
            fields = BindingDict(blank)
            for name, field in blank.get_fields().items():
                fields[name] = field
            cls._fields_bound_once = fields
        return fields
