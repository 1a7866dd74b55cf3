"""Help: every key the current screen answers to (read from its bindings) and what each
panel shows (its HELP)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    """Keys and panels; Esc, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", priority=True)]

    def __init__(self, keys: list[tuple[str, str]], panels: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys
        self.panels = panels

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, description in self.keys:
            table.add_row(Text(key), Text(description))
        panels = Table.grid(padding=(0, 2))
        panels.add_column(style="bold")
        panels.add_column()
        for name, text in self.panels:
            panels.add_row(Text(name), Text(text))
        with VerticalScroll(id="help"):
            yield Static(Text("Keys", "bold underline"))
            yield Static(table)
            yield Static(Text("\nPanels", "bold underline"))
            yield Static(panels)
            yield Static(Text("\nEsc, q or ? closes this help.", "dim"))

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "orm-viz help"
