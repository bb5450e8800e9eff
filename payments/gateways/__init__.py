"""Gateway backends, chosen by name (`settings.PAYMENTS_GATEWAY`, or an order's `gateway`).

``immediate``: the money moves as the order is submitted (the direct path the simulation and most
tests use); ``local``: the local gateway server (`scripts/local_gateway.py`) over HTTP, with
signed callbacks; ``provider``: the template for a real provider (`provider_template`).
"""

from __future__ import annotations

from functools import cache

from django.conf import settings

from .base import Gateway, GatewayReport, ReportStatus

__all__ = ["Gateway", "GatewayReport", "ReportStatus", "gateway_for", "gateway_default_name"]


def gateway_default_name() -> str:
    return settings.PAYMENTS_GATEWAY


@cache
def _build(name: str, url: str, secret: str, callback_url: str) -> Gateway:
    if name == "immediate":
        from .immediate import ImmediateGateway

        return ImmediateGateway()
    if name == "local":
        from .http import HttpGateway

        return HttpGateway(name="local", url=url, secret=secret, callback_url=callback_url)
    if name == "provider":
        from .provider_template import ProviderGateway

        return ProviderGateway(url=url, secret=secret, callback_url=callback_url)
    raise ValueError(f"Unknown payment gateway {name!r}.")


def gateway_for(name: str | None = None) -> Gateway:
    return _build(
        name or gateway_default_name(),
        settings.PAYMENTS_GATEWAY_URL,
        settings.PAYMENTS_GATEWAY_SECRET,
        settings.PAYMENTS_CALLBACK_URL,
    )


def gateways_forget() -> None:
    """Settings changed (tests): build the backends again."""
    _build.cache_clear()
