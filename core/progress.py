"""Progress of a long management command: on a terminal a live bar with the time elapsed and an
ETA (rich); on a pipe or a log file plain lines, one per phase and per tenth of the work, never
carriage returns (a redrawn bar in a log is one endless line)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

# update(completed, note, phase): `completed` of the total so far, a note shown with it, and the
# phase the work is in (a new phase gets its own line in a log).
Update = Callable[..., None]


@contextmanager
def command_progress(stream: TextIO, *, total: float, label: str) -> Iterator[Update]:
    console = Console(file=stream)
    if console.is_terminal:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[note]}"),
        )
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(label, total=total, note="")

            def live(completed: float, note: str = "", phase: str = "") -> None:
                bar.update(task, completed=completed, note=note)

            yield live
        return
    last = {"tenth": -1, "phase": None}

    def plain(completed: float, note: str = "", phase: str = "") -> None:
        tenth = int(10 * completed // total) if total else 10
        if tenth == last["tenth"] and phase == last["phase"]:
            return
        last["tenth"], last["phase"] = tenth, phase
        stream.write(f"  {label} {100 * completed / total if total else 100:.0f}% {note}\n")
        stream.flush()

    yield plain
