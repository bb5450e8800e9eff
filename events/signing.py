"""Webhook signatures, and the helper a receiver (in Python) verifies them with.

Each request carries ``Ledger-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]``: HMAC-SHA256,
keyed with the subscription's secret, over ``"<t>." + body`` (the exact bytes received). While a
secret is being rotated the request is signed with both the new and the previous secret, so a
receiver holding either accepts it. A receiver::

    from events.signing import SignatureError, signature_verify

    try:
        signature_verify(body=request.body, header=request.headers["Ledger-Signature"],
                         secrets=["whsec_…"])
    except SignatureError:
        return 400

refuses a body that was changed, a header signed with another secret, and (replays) a
timestamp more than `tolerance` seconds from its clock. This module needs only the standard
library: copy it into a receiver as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

HEADER = "Ledger-Signature"
TOLERANCE = 300


class SignatureError(ValueError):
    """The request was not signed by the ledger with a secret the receiver holds."""


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), b"%d." % timestamp + body, hashlib.sha256).hexdigest()


def signature_header(*, body: bytes, secrets: Iterable[str], timestamp: int | None = None) -> str:
    moment = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={moment}", *(f"v1={_mac(s, moment, body)}" for s in secrets if s)])


def signature_verify(
    *,
    body: bytes,
    header: str,
    secrets: Iterable[str],
    tolerance: int = TOLERANCE,
    now: float | None = None,
) -> int:
    """Return the request's timestamp if one of its signatures is made with one of `secrets`
    over `body`; raise `SignatureError` otherwise."""
    parts = [part.partition("=") for part in header.split(",")]
    stamps = [value for name, _, value in parts if name.strip() == "t"]
    signatures = [value.strip() for name, _, value in parts if name.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
        raise SignatureError("Malformed signature header.")
    timestamp = int(stamps[0])
    clock = time.time() if now is None else now
    if abs(clock - timestamp) > tolerance:
        raise SignatureError("The signature's timestamp is outside the tolerance.")
    expected = [_mac(secret, timestamp, body) for secret in secrets if secret]
    if not any(hmac.compare_digest(e, s) for e in expected for s in signatures):
        raise SignatureError("No signature matches.")
    return timestamp
