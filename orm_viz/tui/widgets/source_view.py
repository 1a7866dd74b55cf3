"""The scenario's source, the focused task's line highlighted and its await marked."""

from __future__ import annotations

from rich.syntax import Syntax
from textual.reactive import reactive
from textual.widgets import Static

from orm_viz.tui.state import ViewState


class SourceView(Static):
    """The code being run; the highlighted line is where the focused task is."""

    HELP = (
        "The scenario's code. The highlighted line is where the focused task is at this "
        "step; while it is suspended, the awaited expression is underlined."
    )

    state: reactive[ViewState | None] = reactive(None)

    def on_mount(self) -> None:  # the highlighting's theme follows the app's
        self.watch(self.app, "theme", lambda _: self.watch_state(self.state), init=False)

    def watch_state(self, state: ViewState | None) -> None:
        if state is None:
            return
        story = state.story
        rows = story.table(state.focus)
        row = rows[story.row_for_step(state.focus, state.index)] if rows else None
        line = row.line if row is not None else state.trace.scenario.first_line
        source = state.trace.scenario.source
        lines = source.splitlines()
        height = max(10, self.size.height - 2)
        first = max(1, min(line - height // 3, len(lines) - height + 1))
        syntax = Syntax(
            source,
            "python",
            line_numbers=True,
            line_range=(first, first + height),
            highlight_lines={line} if line else set(),
            word_wrap=False,
            theme="ansi_dark" if self.app.current_theme.dark else "default",
            background_color="default",
        )
        if row is not None and row.awaited and 0 < line <= len(lines):
            text = lines[line - 1]
            column = text.find("await ")
            if column >= 0:
                syntax.stylize_range("bold underline", (line, column), (line, len(text)))
        self.border_subtitle = f"T{state.focus} at line {line}" if line else ""
        self.update(syntax)
