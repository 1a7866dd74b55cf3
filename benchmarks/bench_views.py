"""What a key press reads from the story index, at step 100,000 of a real run.

A real free-mode run of 100,000 steps (two tasks counting with ``await
asyncio.sleep(0)``, locals captured at every step). A key press repaints the flow
diagram (``tokens``), the execution table (``row_for_step`` and a 40-row slice of
``table``), the variable tracker (a 40-column window) and the transcript (60 steps);
each is timed on a warm index, at the last step and at random steps. Also timed: building
the index cold (its first read) and taking in one new step, and, once, the pure views
the index replaces. Last, the lanes panel's derivation as the trace keeps growing: the
lane index per new step (against the pure ``lanes`` once), then the span and the raster
it draws from them.

Budget (DESIGN §6): key press -> repainted screen <= 50 ms median at the 100,000th step;
these reads together aim at < 5 ms.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Callable

from orm_viz.trace import Trace, trace
from orm_viz.views.lane_index import LaneIndex
from orm_viz.views.lanes import lanes, raster, time_span
from orm_viz.views.lesson import transcript
from orm_viz.views.story import TableRow, execution_table, flow_stages, variable_tracker
from orm_viz.views.window import StoryIndex

STEPS = 100_000
SIDE_AWAITS = 10_000
REPEATS = 300
RANDOM_STEPS = 300
COLUMNS = 40
ROWS = 40
SENTENCES = 60
LANE_COLUMNS = 135  # about the lanes panel's columns at 160 wide


async def count(awaits: int) -> int:
    total = 0
    for i in range(awaits):
        await asyncio.sleep(0)
        total += i
    return total


async def long_run() -> int:
    label = "counting"
    side = asyncio.create_task(count(SIDE_AWAITS))
    total = 0
    # Steps: each task's start and end, one per await, and main's await of the side task.
    for i in range(STEPS - SIDE_AWAITS - 4):
        await asyncio.sleep(0)
        total += i
    return total + await side + len(label)


def median_ms(timings: list[float]) -> str:
    return f"median {statistics.median(timings) * 1000:.3f} ms"


def timed(read: Callable[[], object]) -> float:
    started = time.perf_counter()
    read()
    return time.perf_counter() - started


def key_press(index: StoryIndex, at: int) -> dict[str, Callable[[], object]]:
    """The reads of one repaint with the cursor at step ``at`` (task 1 focused)."""
    current = index.row_for_step(1, at)
    return {
        "tokens": lambda: index.tokens(at),
        "row_for_step": lambda: index.row_for_step(1, at),
        f"tracker of {COLUMNS} columns": lambda: index.tracker(1, current - COLUMNS + 1, current),
        f"table slice of {ROWS} rows": lambda: rows_around(index, current),
        f"transcript of {SENTENCES} steps": lambda: index.transcript(at - SENTENCES + 1, at),
    }


def rows_around(index: StoryIndex, current: int) -> list[TableRow]:
    """The execution table's rows on screen: ``ROWS`` of them, ``current`` in the middle
    unless near an end."""
    rows = index.table(1)
    first = max(0, min(current - ROWS // 2, len(rows) - ROWS))
    shown = rows[first : first + ROWS]
    assert len(shown) == ROWS
    return list(shown)


def main() -> None:
    run = trace(long_run)
    last = run.last_index
    assert len(run) == STEPS, len(run)
    print(f"{len(run):,} steps recorded in {len(run.tasks)} tasks, {run.dropped_steps} dropped")

    cold = []
    for _ in range(3):
        cold.append(timed(lambda: StoryIndex(run).row_for_step(1, last)))
    print(f"build the index cold (its first read of {len(run):,} steps): {median_ms(cold)}")

    index = StoryIndex(run)
    index.row_for_step(1, last)
    total = 0.0
    for name, read in key_press(index, last).items():
        timings = [timed(read) for _ in range(REPEATS)]
        total += statistics.median(timings)
        print(f"{name} at step {last + 1:,}: {median_ms(timings)}")
    print(f"all of a key press's reads at step {last + 1:,}: {total * 1000:.3f} ms  (aim < 5 ms)")

    rng = random.Random(7)
    at_random: dict[str, list[float]] = {}
    for at in (rng.randrange(len(run)) for _ in range(RANDOM_STEPS)):
        for name, read in key_press(index, at).items():
            at_random.setdefault(name, []).append(timed(read))
    for name, timings in at_random.items():
        print(f"{name} at {RANDOM_STEPS} random steps: {median_ms(timings)}")

    pure_views(run, index, last)

    growing = []
    for _ in range(REPEATS):
        grow(run)
        growing.append(timed(lambda: index.row_for_step(1, run.last_index)))
    print(f"take in 1 new step (and answer row_for_step): {median_ms(growing)}")

    growing_lanes(run)


def grow(run: Trace) -> None:
    step = run.step(run.last_index)
    run.append_step(step.kind, *step[2:])  # the next step of a live run


def growing_lanes(run: Trace) -> None:
    """What the lanes panel derives at each update of a growing trace."""
    at = len(run)
    started = time.perf_counter()
    expected = lanes(run)
    pure = time.perf_counter() - started
    index = LaneIndex(run)
    cold = timed(index.lanes)
    assert index.lanes() == expected
    updates = []
    for _ in range(REPEATS):
        grow(run)
        updates.append(timed(index.lanes))
    found = index.lanes()
    assert found == lanes(run)
    intervals = sum(len(lane.intervals) for lane in found)
    print(
        f"lanes at step {at:,}: the pure view once {pure * 1000:.0f} ms; the lane index "
        f"cold {cold * 1000:.0f} ms, then per new step {median_ms(updates)} "
        f"({intervals:,} intervals)"
    )
    spans = [timed(lambda: time_span(found)) for _ in range(20)]
    start, end = time_span(found)
    rasters = [timed(lambda: raster(found, start, end, LANE_COLUMNS)) for _ in range(20)]
    print(
        f"  then the lanes panel's span: {median_ms(spans)}; its raster at {LANE_COLUMNS} "
        f"columns: {median_ms(rasters)}"
    )


def pure_views(run: Trace, index: StoryIndex, last: int) -> None:
    """The pure views at the last step, once each: what a key press cost before the index
    (and a check that the index agrees with them)."""
    started = time.perf_counter()
    tokens = flow_stages(run, last)
    rows = execution_table(run, 1)
    tracker = variable_tracker(run, 1)
    sentences = transcript(run)
    took = time.perf_counter() - started
    assert tokens == index.tokens(last)
    assert rows[-ROWS:] == index.table(1)[-ROWS:]
    assert tracker.cells == index.tracker(1, 0, len(rows) - 1).cells
    assert sentences[-SENTENCES:] == [s for _, s in index.transcript(0, last)][-SENTENCES:]
    print(
        f"the pure views at step {last + 1:,} (flow_stages, execution_table, "
        f"variable_tracker, transcript), once: {took * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
