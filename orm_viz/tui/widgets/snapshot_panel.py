"""The concept snapshot: the lesson in a few lines, from the scenario's metadata."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from orm_viz.tui.state import ViewState
from orm_viz.views.lesson import concept_snapshot


class SnapshotPanel(Static):
    """The scenario's concept snapshot."""

    HELP = "What this lesson shows, in a few lines (the scenario's SNAPSHOT)."

    state: reactive[ViewState | None] = reactive(None)

    def watch_state(self, state: ViewState | None) -> None:
        if state is None:
            return
        text = Text()
        title = state.trace.lesson.get("title") or state.trace.scenario.name
        text.append(title + "\n\n", "bold")
        for line in concept_snapshot(state.trace) or ["This scenario has no concept snapshot."]:
            text.append("• " + line + "\n")
        self.update(text)
