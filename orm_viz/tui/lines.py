"""A base for the app's Line API widgets: styles read once per CSS change."""

from __future__ import annotations

from rich.style import Style
from textual.scroll_view import ScrollView


class StyledLines(ScrollView):
    """A ScrollView that paints lines with its component classes' styles.

    Both maps key a component class by its last part (``execution-table--cursor`` →
    ``cursor``). :meth:`palette` holds each class's whole style (its colours resolved
    against the widget's background) and ``base``, the widget's own; :meth:`accents`
    only what each class declares, to lay over another style. Looking these up is
    costly, so they are kept until the CSS changes (theme, focus).
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._styles: tuple[dict[str, Style], dict[str, Style]] | None = None

    def notify_style_update(self) -> None:
        self._styles = None
        super().notify_style_update()

    def palette(self) -> dict[str, Style]:
        return self._looked_up()[0]

    def accents(self) -> dict[str, Style]:
        return self._looked_up()[1]

    def _looked_up(self) -> tuple[dict[str, Style], dict[str, Style]]:
        if self._styles is None:
            component = self.get_component_rich_style
            names = {name.rpartition("--")[2]: name for name in self.COMPONENT_CLASSES}
            whole = {short: component(name) for short, name in names.items()}
            whole["base"] = self.rich_style
            declared = {short: component(name, partial=True) for short, name in names.items()}
            self._styles = (whole, declared)
        return self._styles
