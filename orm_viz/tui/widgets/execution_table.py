"""The focused task's execution table: the seed page's columns, observed."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.coordinate import Coordinate
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable

from orm_viz.tui.state import ViewState
from orm_viz.views.story import TableRow

WINDOW = 400  # rows kept in the widget around the current one; the rest are a scroll away


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _yes(flag: bool) -> Text:
    return Text("Yes" if flag else "No", style="bold" if flag else "dim")


class ExecutionTable(DataTable):  # type: ignore[type-arg]
    """One row per step of the focused task, the current row highlighted."""

    HELP = (
        "One row per step of the focused task: Awaited? (suspended at an await), DB query "
        "sent? (its SQL reached a DB thread), Data received? (the rows came back to it). "
        "Move the highlight to see a row's SQL and timing below."
    )

    class StepSelected(Message):
        """The highlighted row changed: show its query."""

        def __init__(self, step: int, query: int) -> None:
            super().__init__()
            self.step = step
            self.query = query

    state: reactive[ViewState | None] = reactive(None)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._key: tuple[int, int] = (-1, -1)  # (run, focus) the rows belong to
        self._first = 0  # table row of the widget's first row
        self._rows: list[TableRow] = []

    def on_mount(self) -> None:
        self.add_columns(
            "Step", "Action", "Awaited?", "Sent?", "Data?", "Result", "ms", "SQL thread"
        )

    def watch_state(self, state: ViewState | None) -> None:
        if state is None:
            return
        rows = state.story.table(state.focus)
        current = state.story.row_for_step(state.focus, state.index) if rows else 0
        key = (state.run, state.focus)
        last = self._first + len(self._rows)
        inside = self._first <= current < last
        near_edge = (current - self._first < 40 and self._first > 0) or (
            last - current < 40 and last < len(rows)
        )
        if key != self._key or not inside or near_edge or len(rows) < last:
            self._fill(rows, current, key)
        else:
            if self._rows and rows[last - 1] != self._rows[-1]:
                self._replace_last(rows[last - 1])
            if len(rows) > last and last - self._first < WINDOW:
                self._append(rows[last : self._first + WINDOW])
        self.border_subtitle = f"row {current + 1} of {len(rows)} · task T{state.focus}"
        if self.row_count:
            self.move_cursor(row=current - self._first, animate=False, scroll=True)

    def _fill(self, rows: Sequence[TableRow], current: int, key: tuple) -> None:
        self._key = key
        self.clear()
        self._rows = []
        self._first = max(0, min(current - WINDOW // 2, len(rows) - WINDOW))
        self._append(rows[self._first : self._first + WINDOW])

    def _append(self, rows: Sequence[TableRow]) -> None:
        for row in rows:
            self.add_row(*self._cells(row))
            self._rows.append(row)

    def _replace_last(self, row: TableRow) -> None:
        position = len(self._rows) - 1
        key = self.coordinate_to_cell_key(Coordinate(position, 0)).row_key
        for column, value in zip(self.columns, self._cells(row), strict=True):
            self.update_cell(key, column, value)
        self._rows[-1] = row

    @staticmethod
    def _cells(row: TableRow) -> tuple[Text, ...]:
        return (
            Text(str(row.number) if row.number else "–"),
            Text(_clip(row.action, 52)),
            _yes(row.awaited),
            _yes(row.query_sent),
            _yes(row.data_received),
            Text(_clip(row.result, 28)),
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        position = event.cursor_row
        if 0 <= position < len(self._rows):
            row = self._rows[position]
            self.post_message(self.StepSelected(row.step, row.query))
