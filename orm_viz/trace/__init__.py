"""Headless tracing core: pause real async code at every await and record every step.

Imports neither Textual nor Django. Three ways in:

* :func:`trace` runs a coroutine function to the end, untouched (free mode),
  and returns its :class:`Trace`.
* :class:`LoopFactory` is a loop factory for ``asyncio.Runner(loop_factory=...)``
  or ``asyncio.run(..., loop_factory=...)``; ``factory.trace`` is the trace of
  the loop it made.
* :class:`TracedRun` + :class:`Controller` run a coroutine function in its own
  thread and loop, held at gates, for stepping (what the app and
  ``orm-viz trace`` use).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from orm_viz.trace.gates import Mode
from orm_viz.trace.instruments import Instrument
from orm_viz.trace.loop import CoroutineProxy, LoopFactory, TracingLoop
from orm_viz.trace.records import (
    Event,
    EventKind,
    JobRecord,
    QueryRecord,
    Step,
    StepKind,
    TaskRecord,
)
from orm_viz.trace.render import render_value
from orm_viz.trace.run import Controller, RunStopped, TracedRun
from orm_viz.trace.store import ScenarioInfo, Trace


def scenario_info_for(func: Callable[..., Any], name: str | None = None) -> ScenarioInfo:
    """Describe ``func`` (its file, source and first line) for a trace."""
    code = getattr(func, "__code__", None)
    path = code.co_filename if code is not None else ""
    try:
        source = inspect.getsource(inspect.getmodule(func)) if path else ""  # type: ignore[arg-type]
    except (OSError, TypeError):
        source = ""
    return ScenarioInfo(
        name=name or str(getattr(func, "__qualname__", "coroutine")),
        path=path,
        function=getattr(func, "__qualname__", ""),
        source=source,
        first_line=code.co_firstlineno if code is not None else 1,
    )


def trace(
    func: Callable[..., Coroutine[Any, Any, Any]],
    *args: Any,
    instruments: Iterable[Instrument] = (),
    latency: float = 0.0,
    timeout: float = 60.0,
) -> Trace:
    """Run ``func(*args)`` to the end in its own traced loop, nothing held, and return the trace.

    The trace holds rendered text only, never live objects: the return value is
    ``trace.tasks[1].result`` (rendered), the outcome ``trace.tasks[1].outcome``.

    Args:
        func: a coroutine function.
        args: its arguments.
        instruments: DB instruments, e.g. ``orm_viz.db.django_instrument()``.
        latency: simulated DB latency in seconds (slept in the DB thread).
        timeout: seconds to wait for the run to finish before stopping it.

    Raises:
        TimeoutError: the run did not finish within ``timeout`` (it was stopped).
    """
    run = TracedRun(
        func,
        args,
        scenario=scenario_info_for(func),
        mode=Mode.FREE,
        latency=latency,
        instruments=instruments,
    )
    controller = Controller(run)
    controller.start(timeout=timeout)
    if not controller.run_to_end(timeout=timeout):
        controller.stop()
        raise TimeoutError(f"{run.trace.scenario.name} did not finish within {timeout} s")
    return run.trace


__all__ = [
    "Controller",
    "CoroutineProxy",
    "Event",
    "EventKind",
    "Instrument",
    "JobRecord",
    "LoopFactory",
    "Mode",
    "QueryRecord",
    "RunStopped",
    "ScenarioInfo",
    "Step",
    "StepKind",
    "TaskRecord",
    "Trace",
    "TracedRun",
    "TracingLoop",
    "render_value",
    "scenario_info_for",
    "trace",
]
