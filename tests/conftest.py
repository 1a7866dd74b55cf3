"""Shared helpers: run real scenarios on real SQLite copies and collect their traces."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orm_viz.scenarios import load
from orm_viz.session import start_scenario_run
from orm_viz.trace import Controller, Mode, Trace

HERE = Path(__file__).parent
TEST_SCENARIOS = HERE / "scenarios"


def step_to_end(controller: Controller, limit: int = 10_000, timeout: float = 30.0) -> Trace:
    """Press "step" until the run ends; fail loudly if it stalls."""
    for _ in range(limit):
        if controller.step(timeout=timeout) is None:
            break
    assert controller.trace.finished, "the run did not finish"
    return controller.trace


@pytest.fixture
def run_scenario() -> Callable[..., Controller]:
    """Start a scenario (bundled name or test file) and stop it after the test."""
    controllers: list[Controller] = []

    def start(target: str, mode: Mode = Mode.STEP, latency_ms: float | None = None) -> Controller:
        if target.endswith(".py") or ":" in target:
            target = str(TEST_SCENARIOS / target)
        controller = start_scenario_run(load(target), mode=mode, latency_ms=latency_ms)
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        assert controller.stop(timeout=2.0), "a run did not stop"


@pytest.fixture
def traced(run_scenario: Callable[..., Controller]) -> Callable[..., Trace]:
    """Run a scenario to its end in step mode and return its trace."""

    def run(target: str, mode: Mode = Mode.STEP, latency_ms: float | None = None) -> Trace:
        return step_to_end(run_scenario(target, mode, latency_ms))

    return run


def screen_text(app: Any) -> str:
    """The screen as a user reads it: characters only, trailing spaces trimmed."""
    width, height = app.size
    from rich.console import Console

    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def screen_cells(app: Any) -> list[list[tuple[str, Any]]]:
    """The screen as cells: (character, rich Style) per column of each line, as painted
    (after the app's filters, so NO_COLOR is applied)."""
    from rich.cells import cell_len

    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    lines: list[list[tuple[str, Any]]] = []
    for line in update.strips:
        cells: list[tuple[str, Any]] = []
        for strip in line:
            for segment in strip:
                if segment.control:
                    continue
                for character in segment.text:
                    cells.append((character, segment.style))
                    cells.extend([("", segment.style)] * (cell_len(character) - 1))
        lines.append(cells)
    return lines
