"""The close's steps, in order. Chunked steps run once per chunk of loan ids (each chunk in its
own transaction, any worker); the others run once over the whole portfolio."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .accrual import interest_accrue
from .advance import business_date_next
from .collection_hook import collection_sync
from .common import Chunk, StepResult
from .credit_lines_hook import credit_lines_update
from .delinquency import delinquency_update
from .due import installments_mark_due
from .penalties import penalties_accrue
from .provisioning import provisions_update
from .snapshot import snapshot_take
from .states import states_update


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Chunk], StepResult]
    chunked: bool = True


STEPS: tuple[Step, ...] = (
    Step("accrual", interest_accrue),
    Step("due", installments_mark_due),
    Step("delinquency", delinquency_update),
    Step("penalties", penalties_accrue),
    Step("states", states_update),
    Step("provisioning", provisions_update),
    Step("collection", collection_sync),
    Step("credit_lines", credit_lines_update, chunked=False),
    Step("snapshot", snapshot_take, chunked=False),
    Step("advance", business_date_next, chunked=False),
)
STEP_NAMES = tuple(step.name for step in STEPS)
BY_NAME = {step.name: step for step in STEPS}
DONE = "done"
"""`CloseRun.current_step` once every step has run."""


def step_after(name: str) -> str:
    index = STEP_NAMES.index(name)
    return STEP_NAMES[index + 1] if index + 1 < len(STEP_NAMES) else DONE
