"""The transaction of an action (a money movement and its audit row)."""

from __future__ import annotations

from django.db import connection, transaction


def action_transaction(*, durable: bool = True) -> transaction.Atomic:
    """At a money-moving service's public entry the transaction is durable: the outermost one,
    so what the service returns is committed when it returns (Django raises if the caller holds
    a transaction already). A caller composing the action into a transaction it holds (the API's
    idempotency record, an approved adjustment) passes ``durable=False`` and must hold one."""
    if not durable and not connection.in_atomic_block:
        raise RuntimeError("durable=False composes an action into the caller's transaction.")
    return transaction.atomic(durable=durable)
