"""The field mapping for a real provider, in one module: the template for adding one.

A provider differs from the local gateway in its words, not its shape: copy this module, change
the names and codes below to the provider's documentation, and set
``PAYMENTS_GATEWAY=provider`` (with its URL and secret). The example follows the common shape of
Chinese agreement-payment (协议支付 / 代扣) APIs:

| ours | provider field | notes |
| --- | --- | --- |
| `reference` | `out_trade_no` | our order reference, the provider's idempotency key |
| `amount` | `total_fee` | integer minor units (fen) |
| `currency` | `fee_type` | ISO 4217 |
| `direction` | `trade_type` | ``DEBIT`` (collect) / ``TRANSFER`` (payout) |
| mandate's account | `agreement_no` | the signed debit agreement |
| callback URL | `notify_url` | |
| status | `trade_state` | ``SUCCESS``, ``PAYERROR``, ``CLOSED``, ``REFUND``, ``USERPAYING`` / ``NOTPAY`` |
| provider id | `transaction_id` | |

Request signing and callback verification: header ``Provider-Signature`` with HMAC-SHA256 over
``"<t>." + body`` (`payments.gateways.http`); a provider that signs otherwise (RSA, SM2) replaces
`http.HttpGateway._call` and `callback_verify` in a subclass, not this mapping. Status polling:
``GET /v3/pay/transactions/out-trade-no/<reference>``; 404 means the provider never received it.
"""

from __future__ import annotations

from decimal import Decimal

from core.money import minor_unit_for

from .base import GatewayReport, ReportStatus

SIGNATURE_HEADER = "Provider-Signature"
ORDERS_PATH = "/v3/pay/transactions"
STATUSES = {
    "USERPAYING": ReportStatus.PENDING,
    "NOTPAY": ReportStatus.PENDING,
    "SUCCESS": ReportStatus.SUCCEEDED,
    "PAYERROR": ReportStatus.FAILED,
    "CLOSED": ReportStatus.FAILED,
    "REFUND": ReportStatus.REVERSED,
}
TRADE_TYPES = {"collect": "DEBIT", "payout": "TRANSFER"}


def order_path(reference: str) -> str:
    return f"{ORDERS_PATH}/out-trade-no/{reference}"


def _minor(amount: Decimal, currency: str) -> int:
    return int(amount / minor_unit_for(currency))


def order_request(order, callback_url: str) -> dict:
    return {
        "out_trade_no": order.reference,
        "total_fee": _minor(order.amount, order.currency),
        "fee_type": order.currency,
        "trade_type": TRADE_TYPES[order.direction],
        "agreement_no": order.mandate.account_reference if order.mandate_id else "",
        "notify_url": callback_url,
    }


def report_from(data: dict) -> GatewayReport:
    fee, currency = data.get("total_fee"), str(data.get("fee_type") or "CNY")
    return GatewayReport(
        reference=str(data.get("out_trade_no", "")),
        status=STATUSES.get(str(data.get("trade_state")), ReportStatus.UNKNOWN),
        provider_reference=str(data.get("transaction_id", "")),
        amount=None if fee is None else Decimal(int(fee)) * minor_unit_for(currency),
        reason=str(data.get("err_code_des", ""))[:255],
        raw=data,
    )


def reports_from_callback(data: dict) -> list[GatewayReport]:
    """The provider notifies one transaction per callback."""
    return [report_from(data)]
