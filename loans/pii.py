"""Personal data at rest: encrypted (Fernet), looked up by keyed digest, shown masked.

A database dump reveals neither national ID numbers nor phone numbers. The key comes from
`FIELD_ENCRYPTION_KEY` (a Fernet key) or, failing that, is derived from `SECRET_KEY`.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@lru_cache(maxsize=4)
def _keys(secret: str, explicit: str | None) -> tuple[Fernet, bytes]:
    if explicit:
        fernet_key = explicit.encode()
    else:
        fernet_key = base64.urlsafe_b64encode(
            hashlib.sha256(b"pii-encrypt:" + secret.encode()).digest()
        )
    digest_key = hashlib.sha256(b"pii-digest:" + fernet_key).digest()
    return Fernet(fernet_key), digest_key


def _current() -> tuple[Fernet, bytes]:
    return _keys(settings.SECRET_KEY, getattr(settings, "FIELD_ENCRYPTION_KEY", None))


def encrypt(value: str) -> str:
    return _current()[0].encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _current()[0].decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("personal data cannot be decrypted with the configured key") from exc


def digest(value: str) -> str:
    """A keyed digest: equal values match (dedupe, velocity checks) without being readable."""
    normalized = value.strip().upper()
    return hmac.new(_current()[1], normalized.encode(), hashlib.sha256).hexdigest()


def mask_national_id(value: str) -> str:
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    value = value.strip()
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
