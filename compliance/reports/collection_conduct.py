"""Collection conduct (催收合规): contact attempts by channel, attempts the conduct guard
blocked by rule, and promises to pay made, kept and broken, for the period
(`collection.selectors.conduct_report`, the collection app's own reading of its records).

Rows by section: ``channel`` (attempts, allowed, blocked, allowed rate), ``rule`` (blocked
attempts per rule), ``promise`` (made in the period; kept, partly kept, broken, cancelled resolved in
it; the kept rate over kept + partly kept + broken on the kept row). The selector's cure rates are left out: they
follow each case's latest bucket, so a past period's figures would move as cases do.
"""

from __future__ import annotations

from decimal import Decimal

from collection.selectors import conduct_report

from .base import Column, Report, ReportParams, ratio

NAME = "collection_conduct"
TITLE = "Collection conduct (催收合规)"
COLUMNS = (
    Column("section"),
    Column("key"),
    Column("attempts", "int"),
    Column("allowed", "int"),
    Column("blocked", "int"),
    Column("promises", "int"),
    Column("rate", "ratio"),
)


def collection_conduct_report(*, params: ReportParams) -> Report:
    data = conduct_report(params.start, params.as_of)
    rows = []
    for channel, figures in sorted(data["attempts_by_channel"].items()):
        rows.append(
            (
                "channel",
                channel,
                figures["attempts"],
                figures["allowed"],
                figures["blocked"],
                None,
                ratio(Decimal(figures["allowed"]), figures["attempts"]),
            )
        )
    for rule, blocked in sorted(data["blocked_by_rule"].items()):
        rows.append(("rule", rule, blocked, 0, blocked, None, None))
    promises = data["promises"]
    for outcome in ("made", "kept", "partial", "broken", "cancelled"):
        rate = promises["kept_rate"] if outcome == "kept" else None
        rows.append(("promise", outcome, None, None, None, promises[outcome], rate))
    attempts = data["attempts"]
    totals = {
        "attempts": attempts["total"],
        "allowed": attempts["allowed"],
        "blocked": attempts["blocked"],
        "blocked_by_rule": dict(sorted(data["blocked_by_rule"].items())),
        "promises_made": promises["made"],
        "promises_kept": promises["kept"],
        "promises_partly_kept": promises["partial"],
        "promises_broken": promises["broken"],
        "promises_kept_rate": promises["kept_rate"],
    }
    return Report(name=NAME, title=TITLE, params=params, columns=COLUMNS, rows=rows, totals=totals)
