"""The incremental story index gives exactly what the pure views give, window by window.

Every check compares a StoryIndex with the pure functions of the same trace at the same
moment: saved traces, real runs of bundled scenarios, live runs read step by step while
they grow, bounded runs that drop their first steps, and a trace written through the
store's own writers to reach the records a run updates after their steps.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orm_viz.scenarios import load
from orm_viz.session import start_scenario_run
from orm_viz.trace import (
    Controller,
    Event,
    EventKind,
    Mode,
    QueryRecord,
    ScenarioInfo,
    StepKind,
    TaskRecord,
    Trace,
    TracedRun,
    scenario_info_for,
)
from orm_viz.trace.export import load_path
from orm_viz.views.lesson import transcript
from orm_viz.views.story import Tracker, execution_table, flow_stages, variable_tracker
from orm_viz.views.window import StepDropped, StoryIndex
from tests.live_runs import check_while_a_bounded_free_run_grows, worker

FIXTURES = Path(__file__).parent / "fixtures"


def cut(tracker: Tracker, first: int, last: int) -> Tracker:
    """Columns ``first`` to ``last`` of a whole tracker, clamped as the index clamps them."""
    first, last = max(0, first), min(len(tracker.columns) - 1, last)
    columns = slice(first, max(first, last + 1))
    return Tracker(
        tracker.columns[columns],
        tracker.names,
        {name: cells[columns] for name, cells in tracker.cells.items()},
        tracker.pending[columns],
    )


def sentences_by_step(trace: Trace) -> list[tuple[int, str]]:
    """The transcript, each sentence with its step index (its "Step N:" is index N - 2)."""
    return [
        (int(sentence.split(":", 1)[0].removeprefix("Step ")) - 2, sentence)
        for sentence in transcript(trace)
    ]


def windows(low: int, high: int, stride: int = 1) -> Iterator[tuple[int, int]]:
    """(first, last) pairs over positions ``low`` to ``high``: empty, single, short and
    wide windows starting before, inside and after, the whole range and its overhanging
    end."""
    for first in range(low - 2, high + 3, stride):
        for size in (-1, 0, 1, 2, 5, 40):
            yield first, first + size
    yield low - 2, high + 3
    yield high - 3, high + 3


def assert_same_views(index: StoryIndex, trace: Trace, samples: int = 0) -> None:
    """Every public read of ``index`` equals the pure view: at every step and window, or
    at about ``samples`` evenly spread ones (long traces)."""
    first, last = trace.first_index, trace.last_index
    stride = max(1, (last - first) // samples) if samples else 1
    for task in [*trace.tasks, 0, max(trace.tasks, default=0) + 1]:
        rows = execution_table(trace, task)
        table = index.table(task)
        assert list(table) == rows
        assert len(table) == len(rows)
        assert table[-3:] == rows[-3:]
        for at in range(first - 1, last + 2, stride):
            behind = [position for position, row in enumerate(rows) if row.step <= at]
            assert index.row_for_step(task, at) == max(behind, default=0), (task, at)
        whole = variable_tracker(trace, task)
        columns = max(1, len(rows) // samples) if samples else 1
        for window in windows(0, len(rows) - 1, columns):
            assert index.tracker(task, *window) == cut(whole, *window), (task, window)
    for at in range(first - 2, last + 3, stride):
        # The flow diagram draws the tokens in dict order: compare it too.
        assert list(index.tokens(at).items()) == list(flow_stages(trace, at).items()), at
    said = sentences_by_step(trace)
    assert index.transcript(-1, last) == said
    for start, end in windows(first, last, stride):
        expected = [
            (at, sentence)
            for at, sentence in said
            if start <= at <= end or (at == -1 and start <= 0 <= end + 1)
        ]
        assert index.transcript(start, end) == expected, (start, end)


@pytest.mark.parametrize(
    "name", ["seed_corrected", "seed_as_written", "gather_serialized", "hostile"]
)
def test_the_index_equals_the_pure_views_of_each_saved_trace(name: str) -> None:
    trace = load_path(FIXTURES / f"{name}.json")
    assert_same_views(StoryIndex(trace), trace)


@pytest.mark.parametrize(
    "name",
    [
        "gather_serialized",  # four tasks, three queries on one DB thread
        "ticker_alongside",  # a task that never queries, beside one that does
        "aiterator_chunks",  # one query whose rows are written after its steps
        "forgot_await",  # a warning event at a step
        "blocking_the_loop",  # a loop_blocked event
        "crud_tour",  # eleven queries of every kind
        "separate_contexts",  # queries overlapping on three DB threads
    ],
)
def test_the_index_equals_the_pure_views_of_a_real_run(traced, name: str) -> None:
    trace = traced(name, Mode.STEP, latency_ms=0)
    assert_same_views(StoryIndex(trace), trace)


@pytest.mark.parametrize("name", ["gather_serialized", "aiterator_chunks", "forgot_await"])
def test_the_index_keeps_up_with_a_live_run_step_by_step(run_scenario, name: str) -> None:
    controller = run_scenario(name, latency_ms=0)
    index = StoryIndex(controller.trace)  # made at the first step, read as the run grows
    while True:
        assert_same_views(index, controller.trace)
        if controller.step() is None:
            break
    assert controller.trace.finished
    assert_same_views(index, controller.trace)


def test_the_index_follows_a_bounded_run_that_drops_its_first_steps() -> None:
    controller = start_scenario_run(load("crud_tour"), mode=Mode.STEP, max_steps=10)
    try:
        trace = controller.trace
        index = StoryIndex(trace)
        while controller.step() is not None:
            assert_same_views(index, trace)
        assert trace.finished
        assert trace.dropped_steps == len(trace) - 10 > 0
    finally:
        assert controller.stop(timeout=2.0)


def test_a_free_run_read_from_inside_its_own_loop_while_it_grows_and_drops() -> None:
    """Free mode records every await; the checks run on the loop between two awaits, so
    the trace holds still for each. The bounded trace drops thousands of steps of each
    task, and names leave and come back with the inner frames."""

    def start_checking(trace: Trace) -> Callable[[], None]:
        index = StoryIndex(trace)
        return lambda: assert_same_views(index, trace, samples=8)

    trace, checks = check_while_a_bounded_free_run_grows(start_checking, every=1500, max_steps=300)
    assert trace.dropped_steps > 4000
    assert checks > 2
    assert_same_views(StoryIndex(trace), trace, samples=30)


# ------------------------------------------------------------------ records written late


def add_step(trace: Trace, kind: StepKind, task: int, query: int = -1, **values: int) -> int:
    """Record a step as the tracer does (locals captured as names and plain values)."""
    captured = (tuple(values), tuple(values.values()))
    index = len(trace)
    return trace.append_step(
        kind, task, "loop", 3, "main", captured, (), query, index / 10, True, "2 rows read"
    )


def test_records_written_after_their_steps_are_read_as_they_are_now() -> None:
    """A query closes, gets its rows late, or is even recorded after a step that names
    it; warnings, loop blocks and dropped events change the transcript afterwards."""
    trace = Trace(
        scenario=ScenarioInfo("late", "", "main", "x = 1\ny = await q\nreturn y\n"),
        max_steps=12,
        max_events=4,
    )
    index = StoryIndex(trace)
    trace.put_task(TaskRecord(1, "main", "main", 0, 0.0, 1))
    trace.put_task(TaskRecord(2, "helper", "helper", 1, 0.05, 2))
    assert_same_views(index, trace)
    add_step(trace, StepKind.TASK_START, 1, x=1)
    add_step(trace, StepKind.TASK_START, 2)
    trace.put_query(QueryRecord(1, 1, 1, "QuerySet.count", "SELECT 1", "db-1", "django", 0.2))
    add_step(trace, StepKind.QUERY_EXECUTE, 1, 1, x=1)
    assert_same_views(index, trace)
    add_step(trace, StepKind.QUERY_RESULT, 1, 1, x=1)
    trace.add_event(Event(3, EventKind.LOOP_BLOCKED, 0.25, text="120 ms"))
    assert_same_views(index, trace)
    trace.close_query(1, 0.35, 2)  # its end and rows arrive after both of its steps
    add_step(trace, StepKind.TASK_RESUME, 1, 1, x=1, y=2)
    assert_same_views(index, trace)
    trace.update_query(1, rows=7)  # more rows read late, as aiterator's are
    add_step(trace, StepKind.TASK_RESUME, 2, 2, z=0)  # names a query not recorded yet
    trace.add_event(Event(5, EventKind.WARNING, 0.5, text="RuntimeWarning: never awaited"))
    assert_same_views(index, trace)
    trace.put_query(QueryRecord(2, 2, 2, "QuerySet.get", "SELECT 2", "db-1", "django", 0.4))
    # Ids need not arrive in order; this one also starts before query 2.
    trace.put_query(QueryRecord(4, 2, 3, "QuerySet.all", "SELECT 4", "db-2", "django", 0.3))
    assert_same_views(index, trace)
    add_step(trace, StepKind.QUERY_EXECUTE, 2, 2, z=0)
    add_step(trace, StepKind.QUERY_RESULT, 2, 2, z=0)
    add_step(trace, StepKind.TASK_RESUME, 2, 2, z=3)
    for _ in range(4):  # the first events are dropped: the block and the warning go
        trace.add_event(Event(trace.last_index, EventKind.LOOP_IDLE, 1.0, text="2 ms"))
        assert_same_views(index, trace)
    for _ in range(5):
        add_step(trace, StepKind.TASK_RESUME, 1, x=2)
        assert_same_views(index, trace)
        add_step(trace, StepKind.TASK_END, 2)
        assert_same_views(index, trace)
    assert trace.dropped_steps > 0
    assert trace.dropped_events > 0


def add_queries_and_awaits(trace: Trace, count: int) -> None:
    """``count`` steps of two tasks: every tenth step of task 1 sends a query and gets
    its rows; its locals come and go (``rare`` every 37 steps, ``b`` in some stretches)."""
    for _ in range(count):
        at = len(trace)
        task = 2 if at % 13 == 0 else 1
        values = {"i": at % 5}
        if at % 37 == 0:
            values["rare"] = at
        if at % 300 < 120:
            values["b"] = at % 2
        query = at // 10 + 1
        phase = at % 10
        if task == 1 and phase == 1:
            trace.put_query(
                QueryRecord(query, 1, query, "QuerySet.get", "SELECT", "db-1", "django", at / 10)
            )
            trace.close_query(query, at / 10 + 0.05, 1)
            add_step(trace, StepKind.QUERY_EXECUTE, 1, query, **values)
        elif task == 1 and phase == 2 and query in trace.queries:
            add_step(trace, StepKind.QUERY_RESULT, 1, query, **values)
        elif task == 1 and phase == 3 and query in trace.queries:
            add_step(trace, StepKind.TASK_RESUME, 1, query, **values)
        else:
            add_step(trace, StepKind.TASK_RESUME, task, **values)


def make_tasks(trace: Trace) -> None:
    trace.put_task(TaskRecord(1, "main", "main", 0, 0.0, 1))
    trace.put_task(TaskRecord(2, "helper", "helper", 1, 0.0, 2))


def test_a_long_bounded_trace_read_a_few_steps_at_a_time() -> None:
    """Each read takes in a few new steps and drops as many: query steps leave before
    the rows that followed them, names leave with their last step, and the index frees
    the entries of dropped steps as it goes."""
    trace = Trace(scenario=ScenarioInfo("long", "", "main", "x = 1\n"), max_steps=50)
    make_tasks(trace)
    index = StoryIndex(trace)
    for round_ in range(1, 500):
        add_queries_and_awaits(trace, 7)
        assert index.row_for_step(1, trace.last_index) == len(execution_table(trace)) - 1
        if round_ % 50 == 0:
            assert_same_views(index, trace, samples=10)
    assert trace.dropped_steps > 3000
    assert_same_views(index, trace)


def test_a_cold_index_of_a_long_trace_reads_it_in_one_snapshot() -> None:
    """Thousands of steps and events are read from one snapshot each, not one by one."""
    trace = Trace(scenario=ScenarioInfo("long", "", "main", "x = 1\n"))
    make_tasks(trace)
    add_queries_and_awaits(trace, 5000)
    for at in range(5000):
        kind = EventKind.WARNING if at % 97 == 0 else EventKind.LOOP_IDLE
        kind = EventKind.LOOP_BLOCKED if at % 113 == 0 else kind
        trace.add_event(Event(at, kind, at / 10 + 0.01, text="150 ms"))
    index = StoryIndex(trace)
    assert_same_views(index, trace, samples=20)
    add_queries_and_awaits(trace, 11)
    assert_same_views(index, trace, samples=20)


def test_reads_keep_up_with_a_bounded_run_on_its_own_thread() -> None:
    """The UI thread reads while the run thread records and drops steps: every read near
    the end succeeds, and once the run ends the index equals the pure views."""

    async def main() -> list[int]:
        return await asyncio.gather(worker(1, 6000), worker(2, 6000), worker(3, 600))

    run = TracedRun(main, scenario=scenario_info_for(main), mode=Mode.FREE, max_steps=2000)
    controller = Controller(run)
    index = StoryIndex(run.trace)
    reads = 0
    controller.start()
    while not run.trace.finished or reads < 20:
        last = run.trace.last_index
        rows = index.row_for_step(2, last)
        index.tracker(2, rows - 6, rows)
        index.tokens(last)
        index.transcript(last - 60, last)
        reads += 1
    assert controller.run_to_end(timeout=30)
    assert run.trace.dropped_steps > 15_000
    assert_same_views(index, run.trace, samples=20)


def test_a_table_view_read_after_its_rows_were_dropped_says_so() -> None:
    trace = Trace(scenario=ScenarioInfo("drops", "", "main", ""), max_steps=5)
    trace.put_task(TaskRecord(1, "main", "main", 0, 0.0))
    for _ in range(5):
        add_step(trace, StepKind.TASK_RESUME, 1)
    index = StoryIndex(trace)
    table = index.table(1)
    for _ in range(3):
        add_step(trace, StepKind.TASK_RESUME, 1)
    assert table[5] == execution_table(trace)[2]  # still held: the same step's row
    with pytest.raises(StepDropped):
        _ = table[1]
    assert list(index.table(1)) == execution_table(trace)


def test_the_window_module_imports_neither_textual_nor_django() -> None:
    code = "import sys, orm_viz.views.window; print('\\n'.join(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "textual" not in loaded
    assert "django" not in loaded
