"""What the lesson screen drives: a live run (Controller) or a saved trace (Replay)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from orm_viz.trace.records import Step
from orm_viz.trace.store import Trace


class Driver(Protocol):
    """The Controller's interface, as the app uses it."""

    trace: Trace

    @property
    def mode(self) -> object: ...

    @property
    def live(self) -> bool: ...

    @property
    def finished(self) -> bool: ...

    @property
    def focused_task(self) -> int: ...

    def clock(self) -> float:
        """Seconds since the run started, now."""
        ...

    def step(self, timeout: float = 30.0) -> Step | None: ...

    def back(self) -> Step | None: ...

    def jump(self, index: int) -> Step | None: ...

    def focus(self, task_id: int) -> None: ...

    def others_run(self) -> None: ...

    def run_to_end(self, timeout: float = 60.0) -> bool: ...

    def stop(self, timeout: float = 1.0) -> bool: ...


# Opens a fresh driver for the same lesson (restart: a new run on a new database copy).
Opener = Callable[[], Driver]
