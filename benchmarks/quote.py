"""Quote throughput: schedule + APR by IRR for 12- and 360-period equal-installment loans.

Run with ``python benchmarks/quote.py``. Single process, pure calculation (no database). The last
line printed is a JSON object with ``us_per_quote_12`` and ``ms_per_quote_360``.

Targets (issue 3): a 12-period quote under 250 µs, a 360-period quote under 5 ms.
"""

from __future__ import annotations

import json
import platform
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import seconds_per_call  # noqa: E402

from calc.quote import quote, schedule_apr  # noqa: E402
from calc.schedules import ScheduleTerms, build_schedule  # noqa: E402

TARGET_US_12 = 250
TARGET_MS_360 = 5

LOANS = {
    12: ScheduleTerms(
        principal=Decimal("12000.00"),
        annual_rate=Decimal("0.18"),
        term=12,
        start_date=date(2026, 1, 15),
        upfront_fee=Decimal("120.00"),
    ),
    360: ScheduleTerms(
        principal=Decimal("630000.00"),
        annual_rate=Decimal("0.049"),
        term=360,
        start_date=date(2026, 1, 15),
    ),
}
ITERATIONS = {12: 2000, 360: 60}


def main() -> None:
    figures: dict[str, float | str | bool] = {}
    print(f"quote benchmark — Python {platform.python_version()} on {platform.machine()}")
    for term, terms in LOANS.items():
        schedule = build_schedule(terms)
        per_quote = seconds_per_call(
            lambda terms=terms: quote(terms, jurisdiction="CN"), ITERATIONS[term]
        )
        per_schedule = seconds_per_call(lambda terms=terms: build_schedule(terms), ITERATIONS[term])
        per_apr = seconds_per_call(
            lambda schedule=schedule: schedule_apr(schedule), ITERATIONS[term]
        )
        result = quote(terms, jurisdiction="CN")
        per_aprc = seconds_per_call(
            lambda terms=terms: quote(terms, jurisdiction="EU"), ITERATIONS[term]
        )
        figures[f"us_per_quote_eu_aprc_{term}"] = round(per_aprc * 1e6, 1)
        print(
            f"{term:>3}-period equal installment: {per_quote * 1e6:9.1f} µs per quote "
            f"({1 / per_quote:9.0f} quotes/s; schedule {per_schedule * 1e6:.1f} µs, "
            f"APR {per_apr * 1e6:.1f} µs); APR {result.apr.nominal_percent()}%"
        )
        figures[f"quotes_per_second_{term}"] = round(1 / per_quote, 1)
        figures[f"us_schedule_{term}"] = round(per_schedule * 1e6, 1)
        figures[f"us_apr_{term}"] = round(per_apr * 1e6, 1)
        if term == 12:
            figures["us_per_quote_12"] = round(per_quote * 1e6, 1)
        else:
            figures["ms_per_quote_360"] = round(per_quote * 1e3, 3)
    figures["target_us_per_quote_12"] = TARGET_US_12
    figures["target_ms_per_quote_360"] = TARGET_MS_360
    figures["within_targets"] = (
        figures["us_per_quote_12"] < TARGET_US_12 and figures["ms_per_quote_360"] < TARGET_MS_360
    )
    print(
        f"targets: 12-period < {TARGET_US_12} µs, 360-period < {TARGET_MS_360} ms — "
        f"{'met' if figures['within_targets'] else 'MISSED'}"
    )
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
