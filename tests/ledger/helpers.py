from datetime import date
from decimal import Decimal

from ledger.services import EntrySpec, LineSpec


def transfer(
    key: str,
    amount: str,
    *,
    debit: str = "1303",
    credit: str = "1002",
    debit_loan: int | None = None,
    credit_loan: int | None = None,
    on: date = date(2026, 1, 1),
    kind: str = "test",
) -> EntrySpec:
    value = Decimal(amount)
    return EntrySpec(
        kind=kind,
        business_date=on,
        idempotency_key=key,
        lines=(
            LineSpec(account=debit, debit=value, loan_id=debit_loan),
            LineSpec(account=credit, credit=value, loan_id=credit_loan),
        ),
    )
