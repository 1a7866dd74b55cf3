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
from tests.conftest import HERE, screen_text

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


def test_every_snapshot_is_checked() -> None:
    expected = {f"seed_corrected_{m}.txt" for m in MODES}
    expected |= {"picker.txt", "seed_corrected_80x24.txt", "seed_corrected_80x24_table.txt"}
    assert {p.name for p in Path(GOLDEN).glob("*.txt")} == expected
