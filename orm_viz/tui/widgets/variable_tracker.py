"""The focused task's variables around the current step, changes marked.

A Line API widget whose columns are fitted to its width: as many steps as fit (up to
six), the current step always the last one shown.
"""

from __future__ import annotations

from typing import ClassVar

from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip

from orm_viz.tui.lines import StyledLines
from orm_viz.tui.state import ViewState
from orm_viz.tui.text import GAP, row_strip
from orm_viz.views.story import Tracker, TrackerCell

COLUMNS = 6  # table rows shown as columns at most: the current one and those before it
NARROWEST = 12  # cells a step column needs to say something useful
NAME_WIDTH = (8, 18)  # the name column: wide enough for "Awaiting", at most this


class VariableTracker(StyledLines):
    """Variables × steps for the focused task: unbound until assigned, * where changed."""

    HELP = (
        "The focused task's variables at each step (columns), the current step last. A "
        "variable being assigned by an await stays unbound until the await completes; "
        "the Awaiting row says what it waits for. * marks a changed value."
    )

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "variable-tracker--header",
        "variable-tracker--name",
        "variable-tracker--changed",
        "variable-tracker--unbound",
        "variable-tracker--awaiting",
    }

    DEFAULT_CSS = """
    VariableTracker {
        overflow-x: hidden;
        background: $surface;
        padding: 0 0 0 1;
    }
    VariableTracker > .variable-tracker--header {
        text-style: bold;
        background: $panel;
    }
    VariableTracker > .variable-tracker--name {
        text-style: bold;
    }
    VariableTracker > .variable-tracker--changed {
        text-style: bold reverse;
    }
    VariableTracker > .variable-tracker--unbound {
        text-style: dim;
    }
    VariableTracker > .variable-tracker--awaiting {
        text-style: italic;
    }
    """

    state: reactive[ViewState | None] = reactive(None, always_update=True)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tracker: Tracker | None = None
        self._layout_width = -1  # the width the tracker was laid out for

    # ------------------------------------------------------------------ reading

    @property
    def tracker(self) -> Tracker | None:
        """The columns shown, as the story gave them."""
        return self._tracker

    def lines(self) -> list[list[str]]:
        """What the tracker shows, as cells: the header, one line per variable, Awaiting."""
        tracker = self._tracker
        if tracker is None:
            return []
        header = ["Variable", *_column_titles(tracker)]
        rows = [
            [name, *(_cell_text(cell) for cell in tracker.cells[name])] for name in tracker.names
        ]
        return [header, *rows, ["Awaiting", *(text or "—" for text in tracker.pending)]]

    # ------------------------------------------------------------------ layout

    def watch_state(self, state: ViewState | None) -> None:
        self._lay_out()

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._layout_width:
            self._lay_out()

    def _lay_out(self) -> None:
        state = self.state
        if state is None:
            return
        story = state.story
        self._layout_width = self.scrollable_content_region.width
        rows = story.table(state.focus)
        if not rows:
            self._tracker = None
            self.virtual_size = Size(0, 0)
            self.border_subtitle = ""
            self.refresh()
            return
        current = story.row_for_step(state.focus, state.index)
        _, steps = self._widths(self._layout_width)
        tracker = story.tracker(state.focus, max(0, current - steps + 1), current)
        self._tracker = tracker
        self.virtual_size = Size(0, len(tracker.names) + 2)
        first, last = tracker.columns[0] or "–", tracker.columns[-1] or "–"
        self.border_subtitle = f"steps {first}–{last}"
        self.refresh()

    def _widths(self, width: int) -> tuple[int, int]:
        """(name column width, number of step columns) for ``width`` cells."""
        names = self._tracker.names if self._tracker is not None else ()
        low, high = NAME_WIDTH
        name = max(low, min(high, max((len(n) for n in names), default=0)))
        room = width - name
        return name, max(1, min(COLUMNS, room // (NARROWEST + GAP)))

    # ------------------------------------------------------------------ painting

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        palette = self.palette()
        plain = palette["base"]
        tracker = self._tracker
        if tracker is None:
            return Strip.blank(width, plain)
        name_width, _ = self._widths(width)
        shown = len(tracker.columns)
        column = max(1, (width - name_width - GAP * shown) // shown)
        line = y if y == 0 else round(self.scroll_y) + y
        if line == 0:
            style = palette["header"]
            cells = [("Variable", name_width, style)]
            cells += [(title, column, style) for title in _column_titles(tracker)]
            return row_strip(cells, width, style)
        if line <= len(tracker.names):
            name = tracker.names[line - 1]
            cells = [(name, name_width, palette["name"])]
            for cell in tracker.cells[name]:
                if cell.changed and cell.bound:
                    style = palette["changed"]
                else:
                    style = plain if cell.bound else palette["unbound"]
                cells.append((_cell_text(cell), column, style))
            return row_strip(cells, width, plain)
        if line == len(tracker.names) + 1:
            awaiting = palette["awaiting"]
            cells = [("Awaiting", name_width, awaiting)]
            cells += [(text or "—", column, awaiting) for text in tracker.pending]
            return row_strip(cells, width, plain)
        return Strip.blank(width, plain)


def _column_titles(tracker: Tracker) -> list[str]:
    last = len(tracker.columns) - 1
    return [f"▶{n}" if i == last else str(n or "–") for i, n in enumerate(tracker.columns)]


def _cell_text(cell: TrackerCell) -> str:
    return ("* " if cell.changed and cell.bound else "") + cell.text
