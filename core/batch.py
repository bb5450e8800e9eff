"""What batch work over a whole book shares."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """A batch allocates hundreds of thousands (at a million loans, tens of millions) of acyclic
    objects: rows, decimals, lists. Python's cyclic collector walks every live container each
    time enough are made, so its cost grows with the batch; reference counting still frees
    them. Paused for the batch, restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
