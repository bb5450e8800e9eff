"""The local gateway's wire format (`scripts/local_gateway.py`): our order to its request, its
answers and callbacks to our `GatewayReport`."""

from __future__ import annotations

from decimal import Decimal

from .base import GatewayReport, ReportStatus

SIGNATURE_HEADER = "Gateway-Signature"
ORDERS_PATH = "/orders"
STATUSES = {
    "pending": ReportStatus.PENDING,
    "succeeded": ReportStatus.SUCCEEDED,
    "failed": ReportStatus.FAILED,
    "returned": ReportStatus.REVERSED,
}


def order_path(reference: str) -> str:
    return f"{ORDERS_PATH}/{reference}"


def order_request(order, callback_url: str) -> dict:
    return {
        "reference": order.reference,
        "direction": order.direction,
        "amount": f"{order.amount:.2f}",
        "currency": order.currency,
        "account": order.mandate.account_reference if order.mandate_id else "",
        "partial": bool(order.mandate_id and order.mandate.allow_partial),
        "callback_url": callback_url,
    }


def report_from(data: dict) -> GatewayReport:
    amount = data.get("amount_settled")
    return GatewayReport(
        reference=str(data.get("reference", "")),
        status=STATUSES.get(str(data.get("status")), ReportStatus.UNKNOWN),
        provider_reference=str(data.get("gateway_id", "")),
        amount=Decimal(amount) if amount not in (None, "") else None,
        reason=str(data.get("reason", ""))[:255],
        raw=data,
    )


def reports_from_callback(data: dict) -> list[GatewayReport]:
    """A callback's reports: one (the body is the report) or a batch (``{"reports": [...]}``)."""
    if isinstance(data.get("reports"), list):
        return [report_from(item) for item in data["reports"] if isinstance(item, dict)]
    return [report_from(data)]
