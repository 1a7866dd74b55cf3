"""The focused task's variables around the current step, changes marked."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import DataTable

from orm_viz.tui.state import ViewState

COLUMNS = 6  # table rows shown as columns: the current one and those before it


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class VariableTracker(DataTable):  # type: ignore[type-arg]
    """Variables × steps for the focused task: unbound until assigned, * where changed."""

    HELP = (
        "The focused task's variables at each step (columns), the current step last. A "
        "variable being assigned by an await stays unbound until the await completes; "
        "the Awaiting row says what it waits for. * marks a changed value."
    )

    state: reactive[ViewState | None] = reactive(None)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="none", zebra_stripes=True)

    def watch_state(self, state: ViewState | None) -> None:
        if state is None:
            return
        story = state.story
        rows = story.table(state.focus)
        self.clear(columns=True)
        if not rows:
            return
        current = story.row_for_step(state.focus, state.index)
        first = max(0, current - COLUMNS + 1)
        tracker = story.tracker(state.focus, first, current)
        headers = [
            Text(f"▶{n}" if i == len(tracker.columns) - 1 else str(n or "–"), style="bold")
            for i, n in enumerate(tracker.columns)
        ]
        lines: list[list[Text]] = []
        for name in tracker.names:
            row = [Text(name, style="bold")]
            for cell in tracker.cells[name]:
                marked = cell.changed and cell.bound
                style = "bold reverse" if marked else "" if cell.bound else "dim"
                row.append(Text(("* " if marked else "") + _clip(cell.text, 28), style))
            lines.append(row)
        lines.append(
            [
                Text("Awaiting", style="italic"),
                *(Text(_clip(p, 28) or "—", style="italic") for p in tracker.pending),
            ]
        )
        # Widths given up front: a rebuilt table must never keep header-only widths.
        header_row = [Text("Variable", style="bold"), *headers]
        for column, header in enumerate(header_row):
            width = max(row[column].cell_len for row in [header_row, *lines])
            self.add_column(header, key=f"c{column}", width=width)
        for row in lines:
            self.add_row(*row)
        self.border_subtitle = f"steps {tracker.columns[0] or '–'}–{tracker.columns[-1] or '–'}"
