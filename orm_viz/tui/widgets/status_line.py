"""One line: step i of n, live or replaying, mode, speed, latency, dropped steps."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from orm_viz.tui.state import ViewState


class StatusLine(Widget):
    """Where the cursor is and how the run is being driven; shorter words when narrow."""

    HELP = "Step i of n, whether the run is live, the mode, the speed and the simulated latency."

    DEFAULT_CSS = "StatusLine { height: 1; }"

    state: reactive[ViewState | None] = reactive(None)

    def parts(self) -> list[tuple[str, str]]:
        """Each part of the line, in its long and its short form."""
        state = self.state
        if state is None:
            return []
        trace = state.trace
        total = state.length + 1  # the call row (step 1) comes before every recorded step
        if not state.live:
            where = ("replaying a saved trace", "replay")
        elif state.finished:
            where = (f"finished: {trace.outcome}", str(trace.outcome))
        else:
            where = ("live", "live")
        mode = "play" if state.playing else str(state.mode)
        latency = f"{trace.settings.get('latency_ms', 0):g} ms"
        parts = [
            (f"step {state.number} of {total}", f"{state.number}/{total}"),
            where,
            (f"mode {mode}", "" if mode == "replay" else mode),
            (f"speed {state.speed:g}×", f"{state.speed:g}×"),
            (f"latency {latency} (simulated)", f"db +{latency}"),
            (f"focus T{state.focus}", f"T{state.focus}"),
        ]
        if trace.dropped_steps:
            dropped = f"{trace.dropped_steps:,}"
            parts.append((f"{dropped} early steps dropped", f"{dropped} dropped"))
        return parts

    def render(self) -> Text:
        parts = self.parts()
        room = self.content_region.width
        line = "  ·  ".join(long for long, _ in parts)
        if len(line) > room:
            line = " · ".join(short for _, short in parts if short)
        return Text(line)
