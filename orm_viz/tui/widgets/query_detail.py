"""The SQL of the selected execution-table row, formatted, with its timing."""

from __future__ import annotations

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from orm_viz.tui.state import ViewState
from orm_viz.views.sql import format_sql, query_timing


class QueryDetail(Static):
    """The selected row's query: formatted SQL, ORM function, thread, timing, rows."""

    HELP = "The SQL of the highlighted table row, as sent, with who sent it and how long it took."

    state: reactive[ViewState | None] = reactive(None)
    selected_query: reactive[int] = reactive(-1)  # a query id, or -1

    def on_mount(self) -> None:  # the highlighting's theme follows the app's
        self.watch(self.app, "theme", lambda _: self._show(), init=False)

    def watch_state(self) -> None:
        self._show()

    def watch_selected_query(self) -> None:
        self._show()

    def _show(self) -> None:
        state = self.state
        if state is None:
            return
        record = state.trace.queries.get(self.selected_query)
        if record is None:
            self.update(Text("No SQL on this row.", style="dim"))
            return
        syntax = Syntax(
            format_sql(record.sql),
            "sql",
            word_wrap=True,
            theme="ansi_dark" if self.app.current_theme.dark else "default",
            background_color="default",
        )
        self.update(Group(Text(query_timing(record), style="bold"), syntax))
