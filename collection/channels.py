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
import random
import sys
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
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
    "SimulatedBackend",
    "SimulatedCall",
    "SmsBackend",
    "backend_for",
    "backend_get",
]

logger = logging.getLogger(__name__)

ALIASES = {
    "console": "collection.channels.ConsoleBackend",
    "file": "collection.channels.FileBackend",
    "simulated": "collection.channels.SimulatedBackend",
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


@dataclass(frozen=True, slots=True)
class SimulatedCall:
    """How a simulated call went: an attempt outcome, and what the debtor said."""

    outcome: str
    promise_amount: Decimal | None = None
    promise_date: date | None = None
    cease_contact: bool = False
    dispute: bool = False


class SimulatedBackend(ChannelBackend):
    """For simulations and replays: nothing leaves the building, and what the other end does
    is drawn from `seed` and the contact itself, so the same story replays the same.

    Messages are delivered but for a few gateway failures (retried by the executor). A call
    (`call`) mostly goes unanswered or is busy; some numbers are wrong; a debtor who answers
    may promise to pay (all that is overdue, or part of it, within a week), refuse, dispute
    the debt or ask not to be contacted again."""

    FAILED_SENDS = 0.03
    CALLS = (
        ("no_answer", 36),
        ("busy", 8),
        ("wrong_number", 4),
        ("connected", 14),
        ("promise_made", 22),
        ("refused_to_pay", 10),
        ("dispute", 3),
        ("cease_contact", 3),
    )

    def __init__(self, seed: int = 0, subject: Callable[[OutboundMessage], object] | None = None):
        self.seed = seed
        self.subject = subject
        self._sent: Counter = Counter()

    def _rng(self, *key: object) -> random.Random:
        return random.Random(":".join(str(part) for part in (self.seed, *key)))

    def _send_key(self, message: OutboundMessage) -> tuple:
        """What makes this send this send: by default the attempt; with `subject` (e.g. the
        loan's place in a simulation, the same whatever ids a database hands out), the n-th
        message on that channel to that subject, so a replay elsewhere draws the same."""
        if self.subject is None:
            return (message.attempt_id,)
        subject = (self.subject(message), message.channel)
        self._sent[subject] += 1
        return (*subject, self._sent[subject])

    def send(self, message: OutboundMessage) -> DeliveryResult:
        if self._rng("send", *self._send_key(message)).random() < self.FAILED_SENDS:
            raise ChannelError("simulated gateway timeout")
        return DeliveryResult(provider_reference=f"simulated:{message.attempt_id}")

    def call(self, *, key: object, overdue: Decimal, on: date) -> SimulatedCall:
        """The outcome of a call made on `on` to a debtor owing `overdue` (`key`: what makes
        this call this call, e.g. the case and the time)."""
        rng = self._rng("call", key)
        said = rng.choices([name for name, _ in self.CALLS], [w for _, w in self.CALLS])[0]
        if said == "dispute":
            return SimulatedCall("connected", dispute=True)
        if said == "cease_contact":
            return SimulatedCall("connected", cease_contact=True)
        if said != "promise_made":
            return SimulatedCall(said)
        if overdue <= 0:
            return SimulatedCall("connected")
        share = Decimal(1) if rng.random() < 0.75 else Decimal("0.5")
        amount = (overdue * share).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        return SimulatedCall(
            "promise_made",
            promise_amount=max(amount, Decimal("0.01")),
            promise_date=on + timedelta(days=rng.randint(1, 7)),
        )


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
