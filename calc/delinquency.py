"""Days past due and delinquency buckets: the close's count, the reports' and dashboard's rows.

Days past due (DPD) on business date D count from the oldest installment still unpaid after its
due date, *after the grace days*: DPD = max(0, (D - oldest due date) - grace days). An
installment due on D is not yet past due. Buckets are data: current, 1-30, 31-60, 61-90,
91-180, 180+.
"""

from __future__ import annotations

from datetime import date

CURRENT = "current"
BUCKETS: tuple[tuple[int | None, str], ...] = (
    (0, CURRENT),
    (30, "1-30"),
    (60, "31-60"),
    (90, "61-90"),
    (180, "91-180"),
    (None, "180+"),
)
"""(highest DPD of the bucket, name), in order; None: no upper bound."""


def days_past_due(oldest_unpaid_due: date | None, business_date: date, grace_days: int) -> int:
    if oldest_unpaid_due is None:
        return 0
    return max(0, (business_date - oldest_unpaid_due).days - grace_days)


def bucket_for(dpd: int) -> str:
    for highest, name in BUCKETS:
        if highest is None or dpd <= highest:
            return name
    raise AssertionError("the last bucket has no upper bound")
