"""The scenario picker: every lesson with its title and snapshot, filtered as you type."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from orm_viz.scenarios import Summary


def matches(summary: Summary, query: str) -> bool:
    """Every word of ``query`` appears in the name, title or snapshot (any case)."""
    haystack = " ".join((summary.name, summary.title, *summary.snapshot)).lower()
    return all(word in haystack for word in query.lower().split())


class PickerScreen(Screen[None]):
    """Choose a lesson: type to filter, arrows to move, Enter to open."""

    BINDINGS = [
        Binding("down", "move(1)", "Next", show=False, priority=True),
        Binding("up", "move(-1)", "Previous", show=False, priority=True),
        Binding("enter", "open", "Open", id="open", priority=True),
    ]

    class ScenarioChosen(Message):
        """Open this scenario."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, summaries: list[Summary]) -> None:
        super().__init__()
        self.summaries = summaries
        self.shown: list[Summary] = list(summaries)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Type to filter the lessons…", id="filter")
        with Horizontal(id="picker"):
            yield OptionList(id="scenario-list")
            yield Static(id="preview")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "choose a lesson"
        self.query_one("#scenario-list").border_title = "Lessons"
        self.query_one("#preview").border_title = "Concept snapshot"
        self._fill()
        self.query_one(Input).focus()

    def _fill(self) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for summary in self.shown:
            options.add_option(
                Option(Text.assemble((summary.name, "bold"), "\n", (summary.title, "dim")))
            )
        if self.shown:
            options.highlighted = 0
        self._preview()

    def _preview(self) -> None:
        preview = self.query_one("#preview", Static)
        chosen = self._highlighted()
        if chosen is None:
            preview.update(Text("No lesson matches. Esc clears the filter.", "dim"))
            return
        text = Text()
        text.append(chosen.title + "\n\n", "bold")
        for line in chosen.snapshot:
            text.append("• " + line + "\n")
        text.append(f"\norm-viz run {chosen.name}", "dim")
        preview.update(text)

    def _highlighted(self) -> Summary | None:
        at = self.query_one(OptionList).highlighted
        return self.shown[at] if at is not None and 0 <= at < len(self.shown) else None

    def on_input_changed(self, event: Input.Changed) -> None:
        self.shown = [s for s in self.summaries if matches(s, event.value)]
        self._fill()

    def on_option_list_option_highlighted(self) -> None:
        self._preview()

    def on_option_list_option_selected(self) -> None:
        self.action_open()

    def on_input_submitted(self) -> None:
        self.action_open()

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if self.shown:
            at = options.highlighted or 0
            options.highlighted = max(0, min(len(self.shown) - 1, at + delta))

    def action_open(self) -> None:
        chosen = self._highlighted()
        if chosen is not None:
            self.post_message(self.ScenarioChosen(chosen.name))
