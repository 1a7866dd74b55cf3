"""The full transcript: one plain sentence per step, the current step highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from orm_viz.tui.state import ViewState

AROUND = 150  # steps shown before and after the current one


class TranscriptView(Static):
    """What happened at each step, in words generated from the recorded events."""

    HELP = "One sentence per step, from what the run recorded; the current step is highlighted."

    state: reactive[ViewState | None] = reactive(None)

    def watch_state(self, state: ViewState | None) -> None:
        if state is None:
            return
        trace = state.trace
        first = max(trace.first_index, state.index - AROUND)
        last = min(trace.last_index, state.index + AROUND) if state.index >= 0 else first
        current_line = 0
        text = Text()
        for number, (index, sentence) in enumerate(state.story.transcript(first, last)):
            here = index == state.index or (state.index < 0 and index == -1)
            if here and not current_line:
                current_line = number
            text.append(sentence + "\n", "bold reverse" if here else "")
        if first > trace.first_index:
            text = Text(f"… {first - trace.first_index:,} earlier steps\n", "dim") + text
            current_line += 1
        self.update(text)
        parent = self.parent
        if parent is not None and hasattr(parent, "scroll_to"):
            self.call_after_refresh(parent.scroll_to, y=max(0, current_line - 5), animate=False)
