"""The scenario's key moments, each resolved to the step where it happens."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from orm_viz.tui.growth import Derivation
from orm_viz.tui.state import ViewState
from orm_viz.views.lesson import KeyMoment, key_moments


class KeyMomentsPanel(OptionList):
    """Insights tied to steps: choose one to jump there."""

    HELP = "The lesson's key moments, found in this run. Enter jumps to the step."

    class MomentChosen(Message):
        """The user chose a moment: show its step."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    state: reactive[ViewState | None] = reactive(None)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._moments: list[KeyMoment] = []
        self._derivation = Derivation(self, self._list, when_shown=True)

    def watch_state(self, state: ViewState | None) -> None:
        if state is not None:
            self._derivation.update(state, (state.run, state.focus, state.length, state.finished))

    def on_show(self) -> None:
        self._derivation.shown()

    def _list(self, state: ViewState) -> None:
        self._moments = key_moments(state.trace, state.focus)
        highlighted = self.highlighted
        self.clear_options()
        for moment in self._moments:
            where = f"Step {moment.row:>3}" if moment.row else "not reached yet"
            self.add_option(Option(Text.assemble((where, "bold"), "  ", moment.text)))
        if not self._moments:
            self.add_option(
                Option(Text("This scenario declares no key moments.", "dim"), disabled=True)
            )
        if highlighted is not None and highlighted < self.option_count:
            self.highlighted = highlighted

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self._moments):
            moment = self._moments[event.option_index]
            if moment.step >= 0 or moment.row == 1:
                self.post_message(self.MomentChosen(moment.step))
            else:
                self.notify("The run has not reached this moment yet: step forward.")
