"""The focused task's execution table: the seed page's columns, observed.

A Line API widget: it asks the story for the rows it paints and nothing else, so a key
press at step 100,000 costs the visible rows, not the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from orm_viz.tui.lines import StyledLines
from orm_viz.tui.state import ViewState
from orm_viz.tui.text import GAP, row_strip
from orm_viz.views.story import TableRow
from orm_viz.views.window import StepDropped

RESULT_WIDTH = 26  # the Result column's least width, once Action has what it needs
FLAGS = (("Awaited?", 8), ("Sent?", 5), ("Data?", 5))  # the seed page's yes/no columns


class ExecutionTable(StyledLines, can_focus=True):
    """One row per step of the focused task; the current step's row is marked ▶.

    The highlight follows the current step; ↑/↓, page keys and the mouse move it to show
    another row's SQL below, and Enter goes to that row's step.
    """

    HELP = (
        "One row per step of the focused task: Awaited? (suspended at an await), DB query "
        "sent? (its SQL reached a DB thread), Data received? (the rows came back to it). "
        "▶ marks the current step. ↑/↓ move the highlight to see a row's SQL and timing "
        "below; Enter goes to that row's step."
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Row up", show=False, id="table.up"),
        Binding("down", "cursor(1)", "Row down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("enter", "choose", "Go to row", id="table.choose"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "execution-table--header",
        "execution-table--even",
        "execution-table--cursor",
        "execution-table--yes",
        "execution-table--no",
    }

    DEFAULT_CSS = """
    ExecutionTable {
        overflow-x: hidden;
        background: $surface;
    }
    ExecutionTable > .execution-table--header {
        text-style: bold;
        color: $foreground;
        background: $panel;
    }
    ExecutionTable > .execution-table--even {
        background: $surface-lighten-1 50%;
    }
    ExecutionTable > .execution-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
    }
    ExecutionTable:focus > .execution-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    ExecutionTable > .execution-table--yes {
        text-style: bold;
    }
    ExecutionTable > .execution-table--no {
        text-style: dim;
    }
    """

    class StepSelected(Message):
        """The highlighted row changed: show its query."""

        def __init__(self, step: int, query: int) -> None:
            super().__init__()
            self.step = step
            self.query = query

    class StepChosen(Message):
        """Enter on a row: go to its step."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    state: reactive[ViewState | None] = reactive(None, always_update=True)
    cursor_row: reactive[int] = reactive(0, always_update=True)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: Sequence[TableRow] = ()
        self._current = 0  # the row of the current step
        self._selected: tuple[int, int] | None = None  # (step, query) last announced
        self._step: tuple[int, int, int] | None = None  # (run, focus, index) last followed
        self._layout_key: tuple[int, ...] | None = None  # what the column widths were fitted to
        self._layout = (5, 6, 4)
        self._resyncing = False

    # ------------------------------------------------------------------ reading

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def row_at(self, position: int) -> TableRow:
        """Row ``position`` of the table (0 is the call row)."""
        return self._rows[position]

    def cells_at(self, position: int) -> tuple[str, ...]:
        """Row ``position`` as its cells read: Step, Action, Awaited?, Sent?, Data?, Result."""
        row = self.row_at(position)
        return (
            str(row.number) if row.number else "–",
            row.action,
            *("Yes" if flag else "No" for flag in _flags(row)),
            row.result,
        )

    # ------------------------------------------------------------------ following the state

    def watch_state(self, state: ViewState | None) -> None:
        if state is None:
            return
        selected = self._selected
        wanted = (state.index,) if selected is None else (state.index, selected[0])
        self._rows, rows = state.story.table_and_rows(state.focus, wanted)
        self._current = rows[0] if self._rows else 0
        self.virtual_size = Size(0, len(self._rows) + 1)  # the header, then the rows
        self.border_subtitle = f"row {self._current + 1} of {len(self._rows)} · task T{state.focus}"
        step = (state.run, state.focus, state.index)
        if step != self._step:  # the highlight follows the step, not the trace's growth
            self._step = step
            self.cursor_row = self._current
        elif selected is not None and self._rows:
            # A bounded run dropped its earliest steps: rows moved up under the highlight.
            table = self._rows
            shown = self._row(self.cursor_row)
            moved = shown is None or (shown.step, shown.query) != selected
            if moved and self._rows is table:  # (else a row dropped meanwhile: all found again)
                row = self._row_of(rows[1], *selected)
                if self._rows is table:
                    self.cursor_row = row
        self.refresh()

    def _row_of(self, last: int, step: int, query: int) -> int:
        """The row of ``step`` and ``query``, from ``last``, the step's last row."""
        row = last
        while row > 0:
            here, before = self._row(row), self._row(row - 1)
            if here is None or before is None or before.step != step or here.query == query:
                break
            row -= 1
        return row

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._rows) - 1))

    def watch_cursor_row(self, row: int) -> None:
        if not self._rows:
            return
        self._scroll_to_row(row)
        self.refresh()
        chosen = self._row(row)
        if chosen is not None and (chosen.step, chosen.query) != self._selected:
            self._selected = (chosen.step, chosen.query)
            self.post_message(self.StepSelected(chosen.step, chosen.query))

    def _scroll_to_row(self, row: int) -> None:
        shown = max(1, self.scrollable_content_region.height - 1)  # rows under the header
        top = round(self.scroll_y)
        if top <= row < top + shown:
            return
        if abs(row - top) > shown:  # a jump: put the row in the middle
            target = row - shown // 2
        else:  # a step off the edge: bring it just into view
            target = row if row < top else row - shown + 1
        self.scroll_to(y=max(0, target), animate=False, immediate=True)

    def on_resize(self) -> None:
        self._scroll_to_row(self.cursor_row)

    # ------------------------------------------------------------------ keys and mouse

    def action_cursor(self, delta: int) -> None:
        self.cursor_row += delta

    def action_page(self, direction: int) -> None:
        self.cursor_row += direction * max(1, self.scrollable_content_region.height - 2)

    def action_choose(self) -> None:
        chosen = self._row(self.cursor_row)
        if chosen is not None and chosen.step >= 0:
            self.post_message(self.StepChosen(chosen.step))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        self.cursor_row = round(self.scroll_y) + offset.y - 1
        if event.chain == 2:
            self.action_choose()

    # ------------------------------------------------------------------ painting

    def _row(self, position: int) -> TableRow | None:
        if not 0 <= position < len(self._rows):
            return None
        try:
            return self._rows[position]
        except StepDropped:  # a bounded live trace moved on: read the table again
            if self.state is not None and not self._resyncing:
                self._resyncing = True  # its rows, found again, may be dropped meanwhile too
                try:
                    self.watch_state(self.state)  # the same step: the rows are found again
                finally:
                    self._resyncing = False
            return None

    def _widths(self, width: int) -> tuple[int, int, int]:
        """(step, action, result) widths that fit ``width`` with the flag columns: Action
        as wide as the rows on screen need, leaving Result RESULT_WIDTH at least."""
        top = round(self.scroll_y)
        key = (width, top, len(self._rows), self._current, self.scrollable_content_region.height)
        if key == self._layout_key:
            return self._layout
        last = self._row(len(self._rows) - 1)
        step = max(5, len(str(last.number if last else len(self._rows))) + 1)  # ▶, the number
        flags = sum(size for _, size in FLAGS)
        free = max(10, width - step - flags - GAP * 5)
        shown = range(top, min(len(self._rows), top + self.scrollable_content_region.height))
        needed = max((cell_len(row.action) for at in shown if (row := self._row(at))), default=6)
        action = max(6, min(needed, free - RESULT_WIDTH))
        self._layout_key, self._layout = key, (step, action, max(4, free - action))
        return self._layout

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        step_width, action_width, result_width = self._widths(width)
        palette, accents = self.palette(), self.accents()
        plain = palette["base"]
        if y == 0:
            header = palette["header"]
            titles = [(" Step", step_width), ("Action", action_width), *FLAGS]
            titles.append(("Result", result_width))
            return row_strip(((title, size, header) for title, size in titles), width, header)
        position = round(self.scroll_y) + y - 1
        row = self._row(position)
        if row is None:
            return Strip.blank(width, plain)
        highlighted = position == self.cursor_row
        base = palette["cursor"] if highlighted else palette["even"] if position % 2 else plain
        mark = "▶" if position == self._current else " "
        number = mark + (str(row.number) if row.number else "–")
        cells = [(number, step_width, base), (row.action, action_width, base)]
        for flag, (_, size) in zip(_flags(row), FLAGS, strict=True):
            # A faint No would be hard to read on the highlight: there only Yes stands out.
            style = base + accents["yes"] if flag else base if highlighted else base + accents["no"]
            cells.append(("Yes" if flag else "No", size, style))
        cells.append((row.result, result_width, base))
        return row_strip(cells, width, base)


def _flags(row: TableRow) -> tuple[bool, bool, bool]:
    return (row.awaited, row.query_sent, row.data_received)
