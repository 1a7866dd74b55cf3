"""One line: step i of n, live or replaying, mode, speed, latency, dropped steps."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from orm_viz.tui.state import ViewState


class StatusLine(Static):
    """Where the cursor is and how the run is being driven."""

    HELP = "Step i of n, whether the run is live, the mode, the speed and the simulated latency."

    state: reactive[ViewState | None] = reactive(None)

    def watch_state(self, state: ViewState | None) -> None:
        if state is None:
            return
        trace = state.trace
        total = state.length + 1  # the call row (step 1) comes before every recorded step
        if not state.live:
            where = "replaying a saved trace"
        elif state.finished:
            where = f"finished: {trace.outcome}"
        else:
            where = "live"
        parts = [
            f"step {state.number} of {total}",
            where,
            f"mode {'play' if state.playing else state.mode}",
            f"speed {state.speed:g}×",
            f"latency {trace.settings.get('latency_ms', 0):g} ms (simulated)",
            f"focus T{state.focus}",
        ]
        if trace.dropped_steps:
            parts.append(f"{trace.dropped_steps:,} early steps dropped")
        self.update(Text("  ·  ".join(parts)))
