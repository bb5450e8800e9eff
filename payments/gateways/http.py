"""A gateway over HTTP/JSON, its wire format given by a mapping module (`local_mapping` for the
local gateway server, `provider_mapping` for the real-provider template).

Requests carry ``<mapping.SIGNATURE_HEADER>: t=<unix>,v1=<hex>``: HMAC-SHA256 with the shared
secret over ``"<t>." + body`` (`events.signing`, the webhooks' scheme); callbacks are verified the
same way and refused outside a 300-second window. One kept-alive connection per thread.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Mapping
from types import ModuleType
from urllib.parse import urlsplit

from django.conf import settings

from events.signing import SignatureError, signature_header, signature_verify
from payments.errors import CallbackRefused, GatewayUnavailable

from . import local_mapping
from .base import GatewayReport, ReportStatus


class NoDelayConnection(http.client.HTTPConnection):
    """http.client sends a POST's headers and body in two writes: with Nagle's algorithm on,
    the body waits for the server's delayed ACK (40 ms a request on Linux)."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class HttpGateway:
    def __init__(
        self,
        *,
        name: str,
        url: str,
        secret: str,
        callback_url: str,
        mapping: ModuleType = local_mapping,
    ):
        self.name, self.secret, self.callback_url, self.mapping = (
            name,
            secret,
            callback_url,
            mapping,
        )
        parts = urlsplit(url)
        self.host, self.port, self.base = parts.hostname, parts.port or 80, parts.path.rstrip("/")
        self.local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = NoDelayConnection(
                self.host, self.port, timeout=settings.PAYMENTS_GATEWAY_TIMEOUT
            )
            self.local.connection = connection
        return connection

    def _call(self, method: str, path: str, payload: dict | None) -> tuple[int, dict]:
        body = b"" if payload is None else json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            self.mapping.SIGNATURE_HEADER: signature_header(body=body, secrets=[self.secret]),
        }
        connection = self._connection()
        try:
            connection.request(method, self.base + path, body=body or None, headers=headers)
            response = connection.getresponse()
            status, data = response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            self.local.connection = None
            raise GatewayUnavailable(f"The gateway did not answer: {exc!r}") from exc
        if status >= 500:
            raise GatewayUnavailable(f"The gateway answered {status}.")
        return status, (json.loads(data) if data else {})

    def submit(self, order) -> GatewayReport:
        status, data = self._call(
            "POST", self.mapping.ORDERS_PATH, self.mapping.order_request(order, self.callback_url)
        )
        if status >= 400:
            return GatewayReport(
                reference=order.reference,
                status=ReportStatus.FAILED,
                reason=f"refused ({status}): {data}"[:255],
                raw=data,
            )
        return self.mapping.report_from(data)

    def query(self, order) -> GatewayReport:
        status, data = self._call("GET", self.mapping.order_path(order.reference), None)
        if status == 404:
            return GatewayReport(reference=order.reference, status=ReportStatus.UNKNOWN)
        return self.mapping.report_from(data)

    def callback_verify(self, *, body: bytes, headers: Mapping[str, str]) -> list[GatewayReport]:
        try:
            signature_verify(
                body=body,
                header=headers.get(self.mapping.SIGNATURE_HEADER, ""),
                secrets=[self.secret],
            )
            data = json.loads(body)
        except (SignatureError, ValueError) as exc:
            raise CallbackRefused(str(exc)) from exc
        if not isinstance(data, dict):
            raise CallbackRefused("A callback's body is a JSON object.")
        return self.mapping.reports_from_callback(data)
