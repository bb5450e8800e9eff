"""Floating-rate loans in the simulated book, and the index moving under them.

On PostgreSQL (the close's rate resets are set-based PostgreSQL statements; the SQLite demo has
none) a share of the simulated loans is signed on a floating product: the one-year LPR plus a
margin, within a floor and a cap, reset monthly on the first. The one-year LPR is given seeded
moves at the month starts of the simulated timeline — 5 to 10 bp, down more often than up — kept
as dated data (`loans.IndexFixing`, source ``simulate``), so the close's `rate_resets` step
reprices the loans on their reset dates as it would after a real fixing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

from calc.calendar import add_months
from calc.index_rates import index_rate_on
from loans.models import IndexFixing, LoanModification, Product
from loans.services.rate_resets import MAKER, index_fixings_kept

FLOATING_CODE = "sim-floating"
FLOATING_SHARE = 0.2
"""The share of simulated loans signed on the floating product."""
INDEX = "lpr_1y"
SOURCE = "simulate"
LOWEST = Decimal("0.0100")


def demo_floating_product_ensure() -> Product | None:
    """The demo's floating-rate cash loan (made once), or None where resets do not run."""
    if connection.vendor != "postgresql":
        return None
    product, _ = Product.objects.get_or_create(
        code=FLOATING_CODE,
        defaults={
            "name": "Floating-rate cash loan (浮动利率现金贷, simulated)",
            "product_type": Product.Type.CASH_LOAN,
            "method": "equal_installment",
            "currency": "CNY",
            "jurisdiction": "CN",
            "frequency": "monthly",
            "annual_rate": Decimal("0.12"),
            "penalty_rate": Decimal("0.18"),
            "min_amount": Decimal("1000"),
            "max_amount": Decimal("50000"),
            "allowed_terms": [12, 24],
            "rate_index": INDEX,
            "rate_margin": Decimal("0.09"),
            "rate_floor": Decimal("0.10"),
            "rate_ceiling": Decimal("0.15"),
            "rate_reset_months": 1,
            "rate_reset_day": 1,
        },
    )
    return product


def index_moves(seed: int, start: date, end: date, rate: Decimal) -> list[tuple[date, Decimal]]:
    """Seeded fixings of the index from `rate`: one move of 5–10 bp at each month start after
    `start` up to `end`, down two times in three."""
    rng = random.Random(f"{seed}:{INDEX}")
    moves = []
    month = add_months(start.replace(day=1), 1)
    while month <= end:
        step = Decimal(rng.randint(5, 10)) / 10000
        rate = max(LOWEST, rate - step if rng.random() < 2 / 3 else rate + step)
        moves.append((month, rate))
        month = add_months(month, 1)
    return moves


def demo_index_moves_record(*, seed: int, start: date, days: int) -> int:
    """Record the index's simulated moves over the days simulated (a date already fixed keeps
    its fixing); returns how many were added."""
    if connection.vendor != "postgresql":
        return 0
    end = start + timedelta(days=days)
    rate = index_rate_on(INDEX, start, index_fixings_kept(INDEX))
    made = IndexFixing.objects.bulk_create(
        [
            IndexFixing(index=INDEX, effective_from=on, rate=value, source=SOURCE)
            for on, value in index_moves(seed, start, end, rate)
        ],
        ignore_conflicts=True,
    )
    return len(made)


def rate_resets_made(first: date, last: date) -> tuple[int, int]:
    """The close's rate resets applied from `first` to `last`: (resets, loans repriced)."""
    resets = LoanModification.objects.filter(
        requested_by=MAKER, applied_on__range=(first, last), kind="rate_change"
    )
    return resets.count(), resets.values("loan_id").distinct().count()


def floating_chosen(seed: int) -> random.Random:
    """The draws deciding which simulated loans are floating (apart from the main draws, so the
    rest of the story does not move)."""
    return random.Random(f"{seed}:floating")
