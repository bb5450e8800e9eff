"""The close's step registry: apps contribute steps, settings put them in order.

Each app registers its steps in its `AppConfig.ready()` (`step_register`); the order is
`settings.CLOSE_STEPS`, a tuple of step names, the one place the sequence is written. The close
refuses to start when a named step is not registered or a registered step is not named, so a
step cannot be silently skipped or silently added. Chunked steps run once per chunk of loan ids
(each chunk in its own transaction, on any worker); the others once over the whole portfolio.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from core.errors import DomainError

from .common import Chunk, StepResult


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Chunk], StepResult]
    chunked: bool = True


BY_NAME: dict[str, Step] = {}
"""Registered steps by name."""
DONE = "done"
"""`CloseRun.current_step` once every step has run."""


class CloseStepsMisconfigured(DomainError):
    status_code = 500
    code = "close-steps"
    title = "The close's steps and settings.CLOSE_STEPS disagree."


def step_register(name: str, run: Callable[[Chunk], StepResult], *, chunked: bool = True) -> None:
    """Make `run` the close step `name` (an app's `ready()` calls this once per step)."""
    existing = BY_NAME.get(name)
    if existing is not None and existing.run is not run:
        raise CloseStepsMisconfigured(f"Two close steps are registered as {name!r}.")
    BY_NAME[name] = Step(name, run, chunked)


def close_steps() -> tuple[Step, ...]:
    """The registered steps in the order of `settings.CLOSE_STEPS`, every one of them."""
    names = tuple(settings.CLOSE_STEPS)
    missing = [name for name in names if name not in BY_NAME]
    unnamed = sorted(set(BY_NAME) - set(names))
    if missing or unnamed or len(set(names)) != len(names):
        problems = []
        if missing:
            problems.append(f"named but not registered: {', '.join(missing)}")
        if unnamed:
            problems.append(f"registered but not in CLOSE_STEPS: {', '.join(unnamed)}")
        if len(set(names)) != len(names):
            problems.append("a step is named twice")
        raise CloseStepsMisconfigured(f"The close cannot start: {'; '.join(problems)}.")
    return tuple(BY_NAME[name] for name in names)


def close_step_names() -> tuple[str, ...]:
    return tuple(step.name for step in close_steps())


def step_after(name: str) -> str:
    names = close_step_names()
    index = names.index(name)
    return names[index + 1] if index + 1 < len(names) else DONE
