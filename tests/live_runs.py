"""A bounded free run checked from inside its own loop while it grows and drops steps:
shared by the tests of the incremental views (StoryIndex, LaneIndex)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from orm_viz.trace import Controller, Mode, Trace, TracedRun, scenario_info_for


async def inner(k: int) -> int:
    scratch = k * 2  # a name only the inner frame has
    await asyncio.sleep(0)
    return scratch


async def worker(n: int, rounds: int) -> int:
    total = 0
    for i in range(rounds):
        await asyncio.sleep(0)
        total += await inner(i) if i % 3 else n
    return total


def check_while_a_bounded_free_run_grows(
    start_checking: Callable[[Trace], Callable[[], None]], *, every: int, max_steps: int
) -> tuple[Trace, int]:
    """Run three workers (one ends early) in free mode with a bounded trace, and check
    the trace every ``every`` steps from a task of the run's own loop, between two awaits,
    so the trace holds still for each check.

    Args:
        start_checking: given the trace before it records anything, returns the check.
        every: steps recorded between two checks.
        max_steps: the trace's bound.

    Returns:
        The finished trace and how many checks ran. A failed check fails the call.
    """
    checks: list[int] = []
    failures: list[AssertionError] = []

    async def checker(trace: Trace, until: asyncio.Event) -> None:
        check = start_checking(trace)
        mark = 0
        while not until.is_set():
            await asyncio.sleep(0)
            if len(trace) >= mark:
                try:
                    check()
                except AssertionError as failure:
                    failures.append(failure)
                    raise
                checks.append(len(trace))
                mark = len(trace) + every

    async def main() -> list[int]:
        until = asyncio.Event()
        watching = asyncio.create_task(checker(run.trace, until))
        totals = await asyncio.gather(worker(1, 900), worker(2, 1200), worker(3, 40))
        until.set()
        await watching
        return totals

    run = TracedRun(main, scenario=scenario_info_for(main), mode=Mode.FREE, max_steps=max_steps)
    controller = Controller(run)
    controller.start()
    assert controller.run_to_end(timeout=30)
    if failures:
        raise failures[0]
    trace = run.trace
    assert trace.tasks[1].outcome == "returned", trace.tasks[1].result
    return trace, len(checks)
