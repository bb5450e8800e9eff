"""Channel backends: how an allowed message leaves the building.

The backend is chosen by `settings.COLLECTION_CHANNEL_BACKEND` ("console", "file" or a dotted
path to a `ChannelBackend` subclass). Backends only deliver: the guard has already said yes and
the attempt is already recorded when `send` is called. Calls and visits are worked by people
(call tasks in the collector's queue), so no backend receives them.

To plug in an SMS gateway or a mail service, subclass `SmsBackend` or `EmailBackend` and
implement its one method; the base class resolves the recipient and maps errors.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

__all__ = [
    "ChannelBackend",
    "ChannelError",
    "ConsoleBackend",
    "DeliveryResult",
    "EmailBackend",
    "FileBackend",
    "OutboundMessage",
    "SmsBackend",
    "backend_for",
    "backend_get",
]

logger = logging.getLogger(__name__)

ALIASES = {
    "console": "collection.channels.ConsoleBackend",
    "file": "collection.channels.FileBackend",
}


class ChannelError(Exception):
    """Delivery failed; the action is retried later."""


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    attempt_id: int
    case_id: int
    borrower_id: int
    loan_reference: str
    channel: str
    recipient_masked: str
    subject: str
    body: str
    lender: str


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    outcome: str = "delivered"
    provider_reference: str = ""


class ChannelBackend(ABC):
    """Delivers messages on some channels."""

    channels: frozenset[str] = frozenset({"sms", "app_push", "email", "letter"})

    @abstractmethod
    def send(self, message: OutboundMessage) -> DeliveryResult:
        """Deliver `message`; raise `ChannelError` when it could not be delivered."""


class ConsoleBackend(ChannelBackend):
    """Writes each message to standard output (the demo and development default)."""

    def __init__(self, stream=None):
        self.stream = stream

    def send(self, message: OutboundMessage) -> DeliveryResult:
        stream = self.stream or sys.stdout
        stream.write(
            f"[collection {message.channel}] case {message.case_id} to "
            f"{message.recipient_masked or 'borrower ' + str(message.borrower_id)}: "
            f"{message.body}\n"
        )
        return DeliveryResult(provider_reference=f"console:{message.attempt_id}")


class FileBackend(ChannelBackend):
    """Appends each message as one JSON line to `settings.COLLECTION_FILE_BACKEND_PATH`."""

    _lock = threading.Lock()

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path or settings.COLLECTION_FILE_BACKEND_PATH)

    def send(self, message: OutboundMessage) -> DeliveryResult:
        line = json.dumps(asdict(message), ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as exc:
            raise ChannelError(f"cannot write {self.path}: {exc}") from exc
        return DeliveryResult(provider_reference=f"file:{message.attempt_id}")


def _borrower_mobile(borrower_id: int) -> str:
    from loans.models import Borrower

    return Borrower.objects.get(pk=borrower_id).mobile


class SmsBackend(ChannelBackend):
    """Base for SMS gateways: implement `send_sms`. The phone number is decrypted only here,
    at the moment of sending, and never logged."""

    channels = frozenset({"sms"})

    @abstractmethod
    def send_sms(self, *, phone: str, text: str) -> str:
        """Send one SMS; return the gateway's message id; raise `ChannelError` on failure."""

    def send(self, message: OutboundMessage) -> DeliveryResult:
        phone = _borrower_mobile(message.borrower_id)
        if not phone:
            raise ChannelError(f"borrower {message.borrower_id} has no mobile number")
        return DeliveryResult(provider_reference=self.send_sms(phone=phone, text=message.body))


class EmailBackend(ChannelBackend):
    """Base for e-mail services: implement `address_for` (where the borrower's address is
    kept is the deployment's choice) and `send_email`."""

    channels = frozenset({"email"})

    @abstractmethod
    def address_for(self, *, borrower_id: int) -> str:
        """The borrower's e-mail address, or "" when there is none."""

    @abstractmethod
    def send_email(self, *, address: str, subject: str, body: str) -> str:
        """Send one e-mail; return the provider's id; raise `ChannelError` on failure."""

    def send(self, message: OutboundMessage) -> DeliveryResult:
        address = self.address_for(borrower_id=message.borrower_id)
        if not address:
            raise ChannelError(f"borrower {message.borrower_id} has no e-mail address")
        reference = self.send_email(address=address, subject=message.subject, body=message.body)
        return DeliveryResult(provider_reference=reference)


def backend_get(path: str | None = None) -> ChannelBackend:
    """The configured backend (a new instance each call: backends may hold connections)."""
    name = path or getattr(settings, "COLLECTION_CHANNEL_BACKEND", "console")
    backend = import_string(ALIASES.get(name, name))()
    if not isinstance(backend, ChannelBackend):
        raise TypeError(f"{name} is not a collection.channels.ChannelBackend")
    return backend


def backend_for(channel: str) -> ChannelBackend:
    """The backend for one channel: `COLLECTION_CHANNEL_BACKENDS[channel]` when configured
    (e.g. an SMS gateway for "sms" only), else `COLLECTION_CHANNEL_BACKEND`."""
    per_channel = getattr(settings, "COLLECTION_CHANNEL_BACKENDS", None) or {}
    backend = backend_get(per_channel.get(channel))
    if channel not in backend.channels:
        raise ChannelError(f"{type(backend).__name__} does not deliver {channel}")
    return backend
