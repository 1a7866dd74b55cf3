"""Lanes over time: the event loop, every task and every DB thread."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from orm_viz.tui.growth import Derivation
from orm_viz.tui.state import ViewState
from orm_viz.views.lane_index import LaneIndex
from orm_viz.views.lanes import Lane, raster, time_span

_GLYPH = {
    "running": ("█", "lanes--running"),
    "suspended": ("─", "lanes--quiet"),
    "idle": ("·", "lanes--quiet"),
    "paused": ("▒", "lanes--paused"),
    "waiting-db": ("┄", "lanes--waiting"),
    "sql": ("▓", "lanes--sql"),
    "fetch": ("▓", "lanes--sql"),
    "busy": ("▓", "lanes--waiting"),
    "blocked": ("!", "lanes--blocked"),
}
NAME_WIDTH = 24


class TaskLanes(Widget):
    """What each thread and task did over the run's time, the current step marked."""

    HELP = (
        "Time runs left to right. Loop: █ running, · idle, ! blocked (≥ 100 ms: nothing "
        "else could run). Tasks: ─ suspended, ▒ paused by orm-viz, ┄ waiting on the DB. "
        "DB threads: ▓ running SQL. The │ marks the current step."
    )
    COMPONENT_CLASSES = {
        "lanes--running",
        "lanes--quiet",
        "lanes--paused",
        "lanes--waiting",
        "lanes--sql",
        "lanes--blocked",
        "lanes--marker",
        "lanes--name",
    }
    DEFAULT_CSS = """
    TaskLanes { height: auto; min-height: 3; }
    TaskLanes > .lanes--running { color: $text-primary; }
    TaskLanes > .lanes--quiet { color: $text-muted; }
    TaskLanes > .lanes--paused { color: $text-warning; }
    TaskLanes > .lanes--waiting { color: $text-secondary; }
    TaskLanes > .lanes--sql { color: $text-success; }
    TaskLanes > .lanes--blocked { color: $text-error; text-style: bold; }
    TaskLanes > .lanes--marker { color: $text-accent; text-style: bold; }
    TaskLanes > .lanes--name { text-style: bold; }
    """

    state: reactive[ViewState | None] = reactive(None)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._index: LaneIndex | None = None
        self._lanes: list[Lane] = []
        self._start = self._end = 0.0
        self._blocked = 0
        self._derived = 0  # how many times the lanes were derived (the raster's key)
        # The raster is the costly part of a derivation (linear in the intervals): made
        # in it, so that its cost is throttled too, and again only if the width changes.
        self._derivation = Derivation(self, self._derive)
        self._grid_key: tuple[int, int] | None = None
        self._grid: list[list[str]] = []

    def watch_state(self, state: ViewState | None) -> None:
        if state is None:
            return
        # The lanes change only when the trace grows; a cursor move only moves the marker.
        self._derivation.update(state, (state.run, state.length, state.events, state.finished))
        self.refresh()

    def _derive(self, state: ViewState) -> None:
        if self._index is None or self._index.trace is not state.trace:
            self._index = LaneIndex(state.trace)  # a new run
        rows = len(self._lanes)
        self._lanes = self._index.lanes()
        self._start, self._end = time_span(self._lanes)
        self._blocked = len(self._index.blocked_stretches())
        self._derived += 1
        self._raster(self._columns())
        self.refresh(layout=len(self._lanes) != rows)  # the height is one row per lane

    def _columns(self) -> int:
        return max(10, self.size.width - NAME_WIDTH - 1)

    def _raster(self, width: int) -> list[list[str]]:
        if self._grid_key != (self._derived, width):
            self._grid_key = (self._derived, width)
            self._grid = raster(self._lanes, self._start, self._end, width)
        return self._grid

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self._lanes) + 1

    def render(self) -> Text:
        state = self.state
        if state is None or not self._lanes:
            return Text("")
        width = self._columns()
        grid = self._raster(width)
        step = state.trace.current
        span = max(self._end - self._start, 1e-9)
        marker = int((step.t - self._start) / span * (width - 1)) if step is not None else -1
        name_style = self.get_component_rich_style("lanes--name")
        marker_style = self.get_component_rich_style("lanes--marker")
        lines = []
        for lane, cells in zip(self._lanes, grid, strict=True):
            line = Text(lane.name[: NAME_WIDTH - 1].ljust(NAME_WIDTH), name_style)
            for column, cell in enumerate(cells):
                if column == marker:
                    line.append("│", marker_style)
                elif cell:
                    glyph, component = _GLYPH.get(cell, ("?", "lanes--quiet"))
                    line.append(glyph, self.get_component_rich_style(component))
                else:
                    line.append(" ")
            lines.append(line)
        flag = f"  ·  {self._blocked} loop block(s) ≥ 100 ms" if self._blocked else ""
        axis = f"{self._start * 1000:.1f} ms … {self._end * 1000:.1f} ms since the run started"
        lines.append(Text(f"{'':{NAME_WIDTH}}{axis}{flag}", "dim"))
        return Text("\n").join(lines)
