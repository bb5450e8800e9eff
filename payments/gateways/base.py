"""What a gateway backend offers: submit an order, query its status, verify a callback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol


class ReportStatus:
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REVERSED = "reversed"
    UNKNOWN = "unknown"
    """The gateway has no such order (it never received it)."""


@dataclass(frozen=True)
class GatewayReport:
    """What the gateway says about one order, in our words (the mapping module's output)."""

    reference: str
    status: str
    provider_reference: str = ""
    amount: Decimal | None = None
    reason: str = ""
    raw: dict = field(default_factory=dict)


class Gateway(Protocol):
    name: str

    def submit(self, order) -> GatewayReport:
        """Send the order (the gateway is idempotent on its reference). Raises
        `GatewayUnavailable` on a timeout or a refused connection: the order may or may not have
        arrived, and polling finds out."""

    def query(self, order) -> GatewayReport:
        """The order's status at the gateway (`UNKNOWN` if it never arrived)."""

    def callback_verify(self, *, body: bytes, headers: Mapping[str, str]) -> list[GatewayReport]:
        """The reports a callback carries (one, or a batch where the gateway sends them so);
        raises `CallbackRefused` unless it is signed with our secret and its timestamp is
        fresh."""
