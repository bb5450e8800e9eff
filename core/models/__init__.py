from .audit import AuditEvent
from .idempotency import IdempotencyRecord

__all__ = ["AuditEvent", "IdempotencyRecord"]
