"""Promise kept-rate (承诺还款兑现率): of the promises to pay resolved in the period, how many were
kept, partly kept and broken, and the kept rate, per delinquency bucket (when the promise was
made) and per strategy step (the step being worked then), from
`collection.selectors.promise_outcomes`. Management reads it to see which step's promises hold.

Rows: ``section`` (bucket or step), ``key``, kept, partly kept, broken, kept rate (kept over
the three). Totals: the same over every promise resolved in the period.
"""

from __future__ import annotations

from collection.selectors import promise_outcomes

from .base import Column, Report, ReportParams, ratio

NAME = "promise_kept_rate"
TITLE = "Promise kept-rate by bucket and step (承诺还款兑现率)"
COLUMNS = (
    Column("section"),
    Column("key"),
    Column("kept", "int"),
    Column("partly_kept", "int"),
    Column("broken", "int"),
    Column("kept_rate", "ratio"),
)


def promise_kept_rate_report(*, params: ReportParams) -> Report:
    outcomes = promise_outcomes(params.start, params.as_of)
    rows = []
    for section in ("bucket", "step"):
        for key, figures in outcomes[section].items():
            rows.append(
                (
                    section,
                    key,
                    figures["kept"],
                    figures["partial"],
                    figures["broken"],
                    ratio(
                        figures["kept"], figures["kept"] + figures["partial"] + figures["broken"]
                    ),
                )
            )
    by_bucket = outcomes["bucket"].values()
    kept = sum(figures["kept"] for figures in by_bucket)
    partial = sum(figures["partial"] for figures in by_bucket)
    broken = sum(figures["broken"] for figures in by_bucket)
    totals = {
        "kept": kept,
        "partly_kept": partial,
        "broken": broken,
        "kept_rate": ratio(kept, kept + partial + broken),
    }
    return Report(name=NAME, title=TITLE, params=params, columns=COLUMNS, rows=rows, totals=totals)
