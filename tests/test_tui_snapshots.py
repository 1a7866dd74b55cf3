"""Text snapshots of every screen and mode at 160×48, from a saved trace (so they are the
same on every Python/Django pair). ``ORM_VIZ_REGEN=1 pytest tests/test_tui_snapshots.py``
rewrites them; review the diff like any other change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orm_viz.scenarios import bundled_summaries
from orm_viz.trace.export import load_path
from orm_viz.tui.app import OrmVizApp
from orm_viz.tui.replay import Replay
from tests.conftest import HERE, screen_cells, screen_text

GOLDEN = HERE / "golden" / "tui"


def check(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("ORM_VIZ_REGEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"screen {name} changed"


MODES = {
    "lesson": (),
    "moments": ("tab",),
    "quiz": ("tab", "tab", "d", "h"),
    "snapshot": ("tab", "tab", "tab"),
    "transcript": ("tab", "tab", "tab", "tab"),
    "help": ("question_mark",),
}


@pytest.mark.parametrize("mode", list(MODES))
async def test_each_mode_looks_as_recorded(mode: str) -> None:
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    app = OrmVizApp(Replay(load_path(HERE / "fixtures" / "seed_corrected.json")))
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(3):  # to the step where the data comes back
            await pilot.press("n")
            await app.screen.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press(*MODES[mode])
        await pilot.pause()
        await pilot.pause()
        check(f"seed_corrected_{mode}", screen_text(app))
        await pilot.press("q")


async def test_the_picker_looks_as_recorded() -> None:
    app = OrmVizApp(summaries=bundled_summaries())
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press(*"one hop")
        await pilot.pause()
        check("picker", screen_text(app))
        await pilot.press("q")


async def test_a_small_terminal_looks_as_recorded() -> None:
    app = OrmVizApp(Replay(load_path(HERE / "fixtures" / "seed_corrected.json")))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n", "n")
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        check("seed_corrected_80x24", screen_text(app))
        await pilot.press("tab")
        await pilot.pause()
        check("seed_corrected_80x24_table", screen_text(app))
        await pilot.press("q")


async def test_a_large_terminal_uses_the_room() -> None:
    app = OrmVizApp(Replay(load_path(HERE / "fixtures" / "seed_corrected.json")))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("end")
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        check("seed_corrected_200x60", text)
        # The source line whole in the table, with room for the Result.
        assert "users = [user async for user in User.objects.filter(active=True)]  Yes" in text
        await pilot.press("q")


# Our panels, and the characters in them that are decoration, not information.
PANELS = ("#flow", "#source", "#table", "#sql", "#tracker", "#lanes", "#status")
SCROLLBARS = set("▁▂▃▄▅▆▇█▉▊▋▌▍▎▏▔▕")


def _luminance(color: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        value_ = value / 255
        return value_ / 12.92 if value_ <= 0.03928 else ((value_ + 0.055) / 1.055) ** 2.4

    red, green, blue = color
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def _contrast(one: tuple[int, int, int], other: tuple[int, int, int]) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def _painted(theme: str) -> tuple[OrmVizApp, list[list[tuple[str, object]]]]:
    app = OrmVizApp(Replay(load_path(HERE / "fixtures" / "seed_corrected.json")))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("n", "n", "n")
        await app.screen.workers.wait_for_complete()
        await pilot.pause()
        if app.theme != theme:  # switched by its key, on a screen already painted
            await pilot.press("t")
            await pilot.pause()
        assert app.theme == theme
        cells = screen_cells(app)
        regions = [app.screen.query_one(panel).region for panel in PANELS]
        await pilot.press("q")
    return app, [
        [cells[y][x] for x in range(region.x, region.right)]
        for region in regions
        for y in range(region.y, region.bottom)
    ]


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_every_panel_is_readable_in_either_theme(theme: str) -> None:
    """WCAG's 3:1 for every character of the app's panels, borders and titles included."""
    _, lines = await _painted(theme)
    poor = set()
    for line in lines:
        for character, style in line:
            if not character.strip() or character in SCROLLBARS:
                continue
            foreground = style.color.get_truecolor()  # type: ignore[attr-defined]
            background = style.bgcolor.get_truecolor()  # type: ignore[attr-defined]
            ratio = _contrast(tuple(foreground), tuple(background))
            if ratio < 3.0:
                poor.add((character, str(style), round(ratio, 2)))
    assert not poor, f"hard to read in {theme}: {sorted(poor)[:10]}"


async def test_no_color_paints_in_greys_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    _, lines = await _painted("textual-dark")
    colours = set()
    for line in lines:
        for _, style in line:
            for color in (style.color, style.bgcolor):  # type: ignore[attr-defined]
                if color is not None:
                    red, green, blue = color.get_truecolor()
                    colours.add((red, green, blue))
    assert colours
    assert all(red == green == blue for red, green, blue in colours), colours


def test_every_snapshot_is_checked() -> None:
    expected = {f"seed_corrected_{m}.txt" for m in MODES}
    expected |= {"picker.txt", "seed_corrected_80x24.txt", "seed_corrected_80x24_table.txt"}
    expected |= {"seed_corrected_200x60.txt"}
    assert {p.name for p in Path(GOLDEN).glob("*.txt")} == expected
