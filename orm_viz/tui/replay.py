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

    def others_run(self) -> None:
        """Nothing runs in a replay: every task's steps are already recorded."""

    def run_to_end(self, timeout: float = 0.0) -> bool:
        self.trace.jump(self.trace.last_index)
        return True

    def stop(self, timeout: float = 0.0) -> bool:
        return True
