"""Text fitted to terminal cells: wide characters count twice, control characters show."""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

GAP = 2  # spaces between table columns

# Control characters would move the cursor or end the line: show them as their symbols.
# C1 controls (U+0080 to U+009F: some terminals read U+009B as an escape), line and
# paragraph separators and bidi controls (they reorder the rest of a row) show as �.
_VISIBLE = (
    {code: 0x2400 + code for code in range(0x20)}
    | {0x7F: 0x2421}
    | dict.fromkeys(range(0x80, 0xA0), 0xFFFD)
    | dict.fromkeys((0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)), 0xFFFD)
)


def visible(text: str) -> str:
    """``text`` with its control characters replaced by their Unicode pictures (␤, ␉…)
    and the other characters that would move or reorder the line by �."""
    return text.translate(_VISIBLE)


def clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells, ending in … when cut."""
    text = visible(text)
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)) + "…" if width > 0 else ""


def cell_text(text: str, width: int) -> str:
    """``text`` cut (ending in …) or padded with spaces to exactly ``width`` cells."""
    return set_cell_size(clip(text, width), width)


def row_strip(cells: Iterable[tuple[str, int, Style]], width: int, base: Style) -> Strip:
    """One line of a table: each (text, cells, style) fitted to its width, GAP apart, the
    line cut or padded to ``width``."""
    gap = Segment(" " * GAP, base)
    segments: list[Segment] = []
    for text, size, style in cells:
        if segments:
            segments.append(gap)
        segments.append(Segment(cell_text(text, size), style))
    return Strip(segments).adjust_cell_length(width, base)
