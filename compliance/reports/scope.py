"""A scope in which the reports of one closed date share what they read: the close's `reports`
step produces several reports of the same date in a row, and the daily aging and classification
reports read the same grouped portfolio, the same classification policies and the same business
date. Inside `reports_scope()` those are read once; outside it every call reads afresh.

Only what the reports themselves do not change is shared (they write files and report runs,
never the book or the policies).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_shared: ContextVar[dict | None] = ContextVar("reports_scope", default=None)


@contextmanager
def reports_scope() -> Iterator[None]:
    """Share reads between the reports produced inside (nested scopes share the outer one)."""
    if _shared.get() is not None:
        yield
        return
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def shared(key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, once per scope for `key`; every time outside a scope."""
    cache = _shared.get()
    if cache is None:
        return read()
    if key not in cache:
        cache[key] = read()
    return cache[key]
