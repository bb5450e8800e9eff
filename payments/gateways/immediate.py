"""The immediate backend: money moves as the order is submitted (the direct path: a bank
transfer already received, the simulation, and the tests that do not exercise the rails)."""

from __future__ import annotations

from collections.abc import Mapping

from payments.errors import CallbackRefused

from .base import GatewayReport, ReportStatus


class ImmediateGateway:
    name = "immediate"

    def submit(self, order) -> GatewayReport:
        return GatewayReport(
            reference=order.reference,
            status=ReportStatus.SUCCEEDED,
            provider_reference=f"immediate-{order.reference}",
            amount=order.amount,
        )

    def query(self, order) -> GatewayReport:
        """As submitted; an order recorded failed stays so (nothing moves after the submit)."""
        if order.status == "failed":
            return GatewayReport(reference=order.reference, status=ReportStatus.FAILED)
        return self.submit(order)

    def callback_verify(self, *, body: bytes, headers: Mapping[str, str]) -> list[GatewayReport]:
        raise CallbackRefused("The immediate gateway sends no callbacks.")
