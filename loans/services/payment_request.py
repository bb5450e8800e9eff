"""What a client asked a payment service for (repayment, prepayment, payoff, recovery)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class PaymentRequest:
    """What a client asked for; its hash tells a retry (same) from a reused key (different)."""

    kind: str
    amount: Decimal
    value_date: date
    idempotency_key: str
    channel: str = ""
    external_reference: str = ""
    mode: str = ""
    source: str = ""

    def hash(self, loan_id: int) -> str:
        text = "|".join(
            (
                str(loan_id),
                self.kind,
                f"{self.amount:.2f}",
                self.value_date.isoformat(),
                self.channel,
                self.external_reference,
                self.mode,
                # Only when given, so that the hashes of requests stored before it stay valid.
                *((self.source,) if self.source else ()),
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()
