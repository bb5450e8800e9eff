"""The right side of an ``__in`` for a batch of ids."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models.expressions import RawSQL


def among(values: Iterable, sql_type: str = "bigint"):
    """On PostgreSQL one array parameter (Django spells a list as one parameter per value, and
    building a thousand costs more than the query), elsewhere the list itself."""
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest(%s::{sql_type}[])", (list(values),))
    return list(values)
