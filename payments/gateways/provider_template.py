"""A real provider's backend: the HTTP gateway speaking the provider's words
(`provider_mapping`, the one module to change for a new provider)."""

from __future__ import annotations

from . import provider_mapping
from .http import HttpGateway


class ProviderGateway(HttpGateway):
    def __init__(self, *, url: str, secret: str, callback_url: str):
        super().__init__(
            name="provider",
            url=url,
            secret=secret,
            callback_url=callback_url,
            mapping=provider_mapping,
        )
