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
        self.add_column(Text("Variable", style="bold"), key="name")
        for number, header in enumerate(headers):
            self.add_column(header, key=f"c{number}")
        for name in tracker.names:
            cells = []
            for cell in tracker.cells[name]:
                style = (
                    "bold reverse"
                    if cell.changed and cell.bound
                    else "dim"
                    if not cell.bound
                    else ""
                )
                cells.append(
                    Text(
                        ("* " if cell.changed and cell.bound else "") + _clip(cell.text, 28), style
                    )
                )
            self.add_row(Text(name, style="bold"), *cells)
        self.add_row(
            Text("Awaiting", style="italic"),
            *(Text(_clip(p, 28) or "—", style="italic") for p in tracker.pending),
        )
        self.border_subtitle = f"steps {tracker.columns[0] or '–'}–{tracker.columns[-1] or '–'}"
