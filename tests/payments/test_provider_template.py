"""The real-provider template: its field mapping (one module) turns our order into the
provider's request and the provider's answers into our reports; its callbacks are verified by
the same signature scheme under the provider's header."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from events.signing import signature_header
from payments.errors import CallbackRefused
from payments.gateways import ReportStatus, provider_mapping
from payments.gateways.provider_template import ProviderGateway

ORDER = SimpleNamespace(
    reference="PO00000000000000AB",
    amount=Decimal("1234.56"),
    currency="CNY",
    direction="collect",
    mandate_id=7,
    mandate=SimpleNamespace(account_reference="AGR-001"),
)


def test_the_mapping_speaks_the_providers_words():
    request = provider_mapping.order_request(ORDER, "https://lender.example/cb")
    assert request == {
        "out_trade_no": "PO00000000000000AB",
        "total_fee": 123456,
        "fee_type": "CNY",
        "trade_type": "DEBIT",
        "agreement_no": "AGR-001",
        "notify_url": "https://lender.example/cb",
    }
    report = provider_mapping.report_from(
        {
            "out_trade_no": ORDER.reference,
            "trade_state": "SUCCESS",
            "total_fee": 100050,
            "transaction_id": "420000",
            "fee_type": "CNY",
        }
    )
    assert (report.status, report.amount, report.provider_reference) == (
        ReportStatus.SUCCEEDED,
        Decimal("1000.50"),
        "420000",
    )
    assert provider_mapping.report_from({"trade_state": "REFUND"}).status == ReportStatus.REVERSED
    assert provider_mapping.report_from({"trade_state": "??"}).status == ReportStatus.UNKNOWN


def test_its_callbacks_are_verified_under_the_providers_header():
    gateway = ProviderGateway(url="http://127.0.0.1:9", secret="s3cret", callback_url="")
    body = b'{"out_trade_no": "PO00000000000000AB", "trade_state": "PAYERROR"}'
    signed = {"Provider-Signature": signature_header(body=body, secrets=["s3cret"])}
    (report,) = gateway.callback_verify(body=body, headers=signed)
    assert report.status == ReportStatus.FAILED
    with pytest.raises(CallbackRefused):
        gateway.callback_verify(
            body=body, headers={"Gateway-Signature": signed["Provider-Signature"]}
        )
