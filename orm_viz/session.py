"""Start a traced run of a scenario on a fresh copy of the demo database.

This is where the headless core meets Django: the CLI and the app call
:func:`start_scenario_run`, which prepares the database copy and the DB
instruments and hands back a :class:`~orm_viz.trace.Controller`.
"""

from __future__ import annotations

import platform
import shutil
from importlib import metadata

from orm_viz.scenarios import Scenario
from orm_viz.trace import Controller, Mode, TracedRun
from orm_viz.trace.store import DEFAULT_MAX_STEPS


def environment() -> dict[str, str]:
    """Versions that change what a trace shows."""
    found = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }
    for package in ("django", "asgiref", "aiosqlite"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def start_scenario_run(
    scenario: Scenario,
    *,
    mode: Mode = Mode.STEP,
    latency_ms: float | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    start: bool = True,
    timeout: float = 30.0,
) -> Controller:
    """Run ``scenario`` on its own copy of the demo database, under a Controller.

    Args:
        scenario: a loaded scenario.
        mode: the initial stepping mode.
        latency_ms: simulated DB latency; None uses the scenario's own setting.
        max_steps: steps kept before the earliest are dropped (and counted).
        start: start the run and wait for its first step.
        timeout: how long to wait for the first step.
    """
    from orm_viz.db.aiosqlite_hooks import AiosqliteInstrument
    from orm_viz.db.demo import fresh_copy
    from orm_viz.db.django_hooks import DjangoInstrument

    database = fresh_copy()
    latency = scenario.latency_ms if latency_ms is None else latency_ms

    def finished(run: TracedRun) -> None:
        shutil.rmtree(database.parent, ignore_errors=True)
        try:
            run.trace.lesson = scenario.lesson(run.trace)
        except Exception as error:  # a scenario's answer function failed: say so, keep the rest
            run.tracer.report_error("scenario quiz", error)

    run = TracedRun(
        scenario.func,
        scenario=scenario.info,
        mode=mode,
        latency=latency / 1000.0,
        instruments=[DjangoInstrument(str(database)), AiosqliteInstrument()],
        environment=environment(),
        max_steps=max_steps,
        on_finish=finished,
    )
    run.trace.lesson = scenario.lesson()
    run.trace.settings["database"] = "fresh copy of the demo database"
    controller = Controller(run)
    if start:
        controller.start(timeout=timeout)
    return controller
