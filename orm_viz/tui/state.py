"""The one snapshot the lesson screen hands to every widget.

A ``ViewState`` is what the screen shows: which run (trace and its view index),
which step the cursor is on, the focused task, the mode and the playback speed.
Widgets only render it; they never change the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orm_viz.trace.store import Trace
from orm_viz.views.window import StoryIndex

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
BASE_INTERVAL = 1.0  # seconds per step at speed 1 when playing


@dataclass(frozen=True, slots=True)
class ViewState:
    """What every panel renders.

    Attributes:
        trace: the run's trace (live: it grows while shown).
        story: incremental views of ``trace``.
        run: bumps on every restart, so panels drop what they kept of the old run.
        index: the cursor's trace step index (-1 before the first step).
        length: steps recorded so far; events: events recorded so far.
        focus: the focused task's id.
        mode: the run's stepping mode ("step", "others", "play", "continue", "replay").
        live: a live run (False: a saved trace).
        finished: the run has ended.
        playing: steps are being released on a timer.
        speed: playback speed factor.
    """

    trace: Trace = field(compare=False)
    story: StoryIndex = field(compare=False)
    run: int = 0
    index: int = -1
    length: int = 0
    events: int = 0
    focus: int = 1
    mode: str = "step"
    live: bool = True
    finished: bool = False
    playing: bool = False
    speed: float = 1.0

    @property
    def number(self) -> int:
        """The step number users see (1 is the main coroutine's call)."""
        return self.index + 2 if self.index >= 0 else 1
