"""A saved trace behind the Controller's interface, so the app can replay it.

Nothing runs: stepping moves the trace's cursor. No database, no Django.
"""

from __future__ import annotations

from orm_viz.trace.records import Step
from orm_viz.trace.store import Trace


class Replay:
    """Steps over a finished, saved trace."""

    mode = "replay"
    live = False

    def __init__(self, trace: Trace, focus: int = 1) -> None:
        self.trace = trace
        self.focused_task = focus
        trace.jump(trace.first_index)

    @property
    def finished(self) -> bool:
        return True

    def step(self, timeout: float = 0.0) -> Step | None:
        return None if self.trace.at_frontier else self.trace.forward()

    def back(self) -> Step | None:
        return self.trace.back()

    def jump(self, index: int) -> Step | None:
        return self.trace.jump(index)

    def clock(self) -> float:
        """A saved run's clock stands at its last step."""
        last = self.trace.step(self.trace.last_index) if len(self.trace) else None
        return last.t if last is not None else 0.0

    def focus(self, task_id: int) -> None:
        self.focused_task = task_id

    def others_run(self) -> None:
        """Nothing runs in a replay: every task's steps are already recorded."""

    def run_to_end(self, timeout: float = 0.0) -> bool:
        self.trace.jump(self.trace.last_index)
        return True

    def stop(self, timeout: float = 0.0) -> bool:
        return True
