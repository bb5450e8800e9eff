"""A close run as a timeline: each step in its order, its chunks counted by status, when it ran
and for how long, its failures, and where its bar sits on the run's time axis (percentages of
the run's span, for the page's bars)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from loans.models import CloseRun, CloseStepRun
from loans.models.eod import RunStatus

ERRORS_SHOWN = 5


@dataclass
class StepLine:
    step: str
    position: int
    chunks: int = 0
    done: int = 0
    failed: int = 0
    running: int = 0
    pending: int = 0
    attempts: int = 0
    loans: int = 0
    entries: int = 0
    duration_ms: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    errors: list[str] = field(default_factory=list)
    offset: float = 0.0
    width: float = 0.0

    @property
    def status(self) -> str:
        if self.failed:
            return RunStatus.FAILED
        if self.running:
            return RunStatus.RUNNING
        if self.done == self.chunks and self.chunks:
            return RunStatus.DONE
        return RunStatus.PENDING

    @property
    def status_label(self) -> str:
        return RunStatus(self.status).label


def close_timeline(*, run: CloseRun) -> list[StepLine]:
    lines: dict[str, StepLine] = {}
    for chunk in CloseStepRun.objects.filter(run=run).order_by("position", "chunk"):
        line = lines.setdefault(chunk.step, StepLine(step=chunk.step, position=chunk.position))
        line.chunks += 1
        setattr(line, chunk.status, getattr(line, chunk.status) + 1)
        line.attempts = max(line.attempts, chunk.attempts)
        line.loans += chunk.loans
        line.entries += chunk.entries
        line.duration_ms += chunk.duration_ms or 0
        if chunk.started_at and (line.started_at is None or chunk.started_at < line.started_at):
            line.started_at = chunk.started_at
        if chunk.finished_at and (line.finished_at is None or chunk.finished_at > line.finished_at):
            line.finished_at = chunk.finished_at
        if chunk.error and len(line.errors) < ERRORS_SHOWN:
            line.errors.append(f"#{chunk.chunk}: {chunk.error}")
    ordered = sorted(lines.values(), key=lambda line: line.position)
    place_on_axis(ordered)
    return ordered


def place_on_axis(lines: list[StepLine]) -> None:
    """Each step's bar as (offset, width) in percent of the span from the first start to the
    last finish; a step that has not started has no bar, one still running ends at the span's
    end, and every bar that ran is at least 0.5% wide so that it can be seen."""
    starts = [line.started_at for line in lines if line.started_at]
    ends = [line.finished_at or line.started_at for line in lines if line.started_at]
    if not starts:
        return
    first, last = min(starts), max(ends)
    span = (last - first).total_seconds() or 1.0
    for line in lines:
        if line.started_at is None:
            continue
        end = line.finished_at or last
        line.offset = round((line.started_at - first).total_seconds() / span * 100, 2)
        width = (end - line.started_at).total_seconds() / span * 100
        line.width = round(min(max(width, 0.5), 100 - line.offset), 2)
