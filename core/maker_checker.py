"""Maker-checker, once for every back-office request a second person decides (a loan
modification, a manual adjustment, a borrower's refund request).

A request waits in its pending status; deciding it locks its row, refuses a request already
decided and a checker who is its maker, and records the decision (status, checker, when, note).
Each kind of request says how its model spells those (`Decision`) and which errors it raises;
what approving *does* stays with the kind's service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Decision:
    """How a kind of request records its maker and its decision."""

    model: type[models.Model]
    pending: str
    """The status a request waits in until decided."""
    maker: str
    """The attribute naming the maker (``requested_by`` or a user's ``requested_by_id``)."""
    checker: str
    """The field the checker is written to."""
    decided_at: str
    """The field the decision's date or time is written to."""
    not_pending: Callable[[Any], Exception]
    """The error for a request already decided."""
    self_decision: Callable[[Any], Exception]
    """The error for a checker who is the request's maker."""
    note: str = "decision_note"
    note_length: int = 255

    def pending_for(self, pk: int, checker_key: object) -> Any:
        """The request, locked, once it may be decided by `checker_key` (compared with
        `maker`: a user's pk or a name)."""
        request = self.model.objects.select_for_update().get(pk=pk)
        if request.status != self.pending:
            raise self.not_pending(request)
        if checker_key in (None, "") or getattr(request, self.maker) == checker_key:
            raise self.self_decision(request)
        return request

    def mark(self, request: Any, *, status: str, checker: object, when: object, note: str) -> list:
        """Set the decision on `request` (unsaved); returns the fields set."""
        request.status = status
        setattr(request, self.checker, checker)
        setattr(request, self.decided_at, when)
        setattr(request, self.note, (note or "")[: self.note_length])
        return ["status", self.checker, self.decided_at, self.note]

    def record(
        self,
        request: Any,
        *,
        status: str,
        checker: object,
        when: object,
        note: str,
        also: Iterable[str] = (),
    ) -> None:
        """Set and save the decision (and the fields `also` the service set)."""
        fields = self.mark(request, status=status, checker=checker, when=when, note=note)
        request.save(update_fields=[*fields, *also])
