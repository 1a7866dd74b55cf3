"""The incremental lanes equal the pure lanes of the same trace, after every growth step.

Every check compares a LaneIndex with ``lanes(trace)`` (and ``blocked_stretches``) at
the same moment: saved traces, real runs of bundled scenarios read step by step while
they grow (their release times arrive after their steps), bounded runs that drop
thousands of steps, and traces written through the store's own writers to reach what a
run writes late or never: releases after later steps, task and job records rewritten,
drops of a task's end, idle waits out of order and dropped events.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from orm_viz.scenarios import load
from orm_viz.session import start_scenario_run
from orm_viz.trace import (
    Controller,
    Event,
    EventKind,
    JobRecord,
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
from orm_viz.views.lane_index import LaneIndex
from orm_viz.views.lanes import blocked_stretches, lanes
from tests.live_runs import check_while_a_bounded_free_run_grows, worker

FIXTURES = Path(__file__).parent / "fixtures"


def _written(trace: Trace) -> tuple[object, ...]:
    """All that the lanes read, as recorded so far."""
    events = trace.event_list()
    releases = len(trace.release_times)
    return len(trace), trace.dropped_events, events, releases, trace.task_list(), trace.job_list()


def assert_same_lanes(index: LaneIndex, trace: Trace) -> None:
    """The index's lanes and loop blocks equal the pure views' now, lane by lane.

    A live run may write between the two reads (a free task beside a paused one records
    events): then both are read again, until the trace held still for both."""
    for _ in range(50):
        before = _written(trace)
        found, expected = index.lanes(), lanes(trace)
        blocks, expected_blocks = index.blocked_stretches(), blocked_stretches(trace)
        if _written(trace) == before:
            break
    assert [lane.name for lane in found] == [lane.name for lane in expected]
    for lane, wanted in zip(found, expected, strict=True):
        assert lane == wanted, lane.name
    assert blocks == expected_blocks


@pytest.mark.parametrize(
    "name", ["seed_corrected", "seed_as_written", "gather_serialized", "hostile"]
)
def test_the_index_equals_the_pure_lanes_of_each_saved_trace(name: str) -> None:
    trace = load_path(FIXTURES / f"{name}.json")
    assert_same_lanes(LaneIndex(trace), trace)


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("gather_serialized", Mode.STEP),  # four tasks, three queries on one DB thread
        ("separate_contexts", Mode.STEP),  # queries overlapping on three DB threads
        ("aiterator_chunks", Mode.STEP),  # a query whose end and rows are written late
        ("blocking_the_loop", Mode.STEP),  # a loop_blocked event
        ("ticker_alongside", Mode.OTHERS),  # the ticker runs unpaused beside task 1
        ("crud_tour", Mode.STEP),  # eleven queries of every kind
    ],
)
def test_the_index_keeps_up_with_a_live_run_step_by_step(
    run_scenario, name: str, mode: Mode
) -> None:
    """Each step is read while it is paused, before its release is recorded: the release
    comes with the next press, after the index last looked."""
    controller = run_scenario(name, mode, latency_ms=0)
    trace = controller.trace
    index = LaneIndex(trace)  # made at the first step, read as the run grows
    unreleased = 0
    while True:
        assert_same_lanes(index, trace)
        unreleased += trace.current is not None and trace.current.index not in trace.release_times
        if controller.step() is None:
            break
    assert trace.finished
    assert unreleased > 3
    assert trace.release_times
    assert_same_lanes(index, trace)


def test_the_index_follows_a_bounded_step_mode_run_that_drops_its_first_steps() -> None:
    controller = start_scenario_run(load("crud_tour"), mode=Mode.STEP, max_steps=10)
    try:
        trace = controller.trace
        index = LaneIndex(trace)
        while controller.step() is not None:
            assert_same_lanes(index, trace)
        assert trace.finished
        assert trace.dropped_steps == len(trace) - 10 > 0
    finally:
        assert controller.stop(timeout=2.0)


def test_a_free_run_read_from_inside_its_own_loop_while_it_grows_and_drops() -> None:
    """Free mode records every await; the checks run on the loop between two awaits, so
    the trace holds still for each. The bounded trace drops thousands of steps of each
    task (past the index's compaction), and one task ends early."""

    def start_checking(trace: Trace) -> Callable[[], None]:
        index = LaneIndex(trace)
        return lambda: assert_same_lanes(index, trace)

    trace, checks = check_while_a_bounded_free_run_grows(start_checking, every=97, max_steps=1500)
    assert trace.dropped_steps > 4000
    assert checks > 50
    assert_same_lanes(LaneIndex(trace), trace)


def test_reads_keep_up_with_a_bounded_run_on_its_own_thread() -> None:
    """The UI thread reads while the run thread records and drops steps: every read
    succeeds, and once the run ends the index equals the pure views."""

    async def main() -> list[int]:
        return await asyncio.gather(worker(1, 6000), worker(2, 6000), worker(3, 600))

    run = TracedRun(main, scenario=scenario_info_for(main), mode=Mode.FREE, max_steps=2000)
    controller = Controller(run)
    index = LaneIndex(run.trace)
    reads = 0
    controller.start()
    while not run.trace.finished or reads < 20:
        assert len(index.lanes()) >= 1
        reads += 1
    assert controller.run_to_end(timeout=30)
    assert run.trace.dropped_steps > 15_000
    assert_same_lanes(index, run.trace)


# ------------------------------------------------------------------ records written late


def add_step(
    trace: Trace,
    kind: StepKind,
    task: int,
    t: float,
    *,
    paused: bool = False,
    thread: str = "orm-viz-loop-1",
) -> int:
    """Record a step as the gates do (a paused one is released later, if ever)."""
    return trace.append_step(kind, task, thread, 1, "main", ((), ()), (), -1, t, paused, "")


def test_a_release_is_read_when_it_is_recorded_even_after_later_steps() -> None:
    trace = Trace(scenario=ScenarioInfo("late", "", "main", ""))
    index = LaneIndex(trace)
    trace.put_task(TaskRecord(1, "main", "main", 0, 0.0))
    assert_same_lanes(index, trace)
    first = add_step(trace, StepKind.TASK_START, 1, 0.1, paused=True)
    assert_same_lanes(index, trace)  # paused, not released yet: no pause shown
    trace.released(first, 0.2)
    assert_same_lanes(index, trace)
    query = add_step(trace, StepKind.QUERY_EXECUTE, 1, 0.3, paused=True)
    resume = add_step(trace, StepKind.TASK_RESUME, 1, 0.5, paused=True)
    assert_same_lanes(index, trace)
    trace.released(resume, 0.6)  # the later step's release comes first (never in a run)
    assert_same_lanes(index, trace)
    trace.released(query, 0.4)
    assert_same_lanes(index, trace)
    already = add_step(trace, StepKind.TASK_RESUME, 1, 0.7, paused=True)
    trace.released(already, 0.75)  # released before the index first reads it
    end = add_step(trace, StepKind.TASK_END, 1, 0.8, paused=True)
    assert_same_lanes(index, trace)
    trace.released(end, 0.9)  # an end's release adds nothing
    trace.update_task(1, outcome="returned", ended_t=0.85)
    assert_same_lanes(index, trace)
    main = index.lanes()[1]
    assert [i.state for i in main.intervals].count("paused") == 4


def test_tasks_and_jobs_recorded_late_or_rewritten_are_read_as_they_are_now() -> None:
    """A task's steps before its record; a task created before every other (the loop's
    lane starts there); jobs dispatched, started, finished, and one rewritten after it
    finished; a query ending after every step (the end of the run)."""
    trace = Trace(scenario=ScenarioInfo("late", "", "main", ""))
    index = LaneIndex(trace)
    trace.put_task(TaskRecord(1, "main", "main", 0, 0.1))
    add_step(trace, StepKind.TASK_START, 1, 0.2)
    add_step(trace, StepKind.TASK_START, 2, 0.25)  # task 2 has no record yet
    assert_same_lanes(index, trace)
    trace.put_task(TaskRecord(2, "helper", "helper", 1, 0.05))  # created before task 1
    assert_same_lanes(index, trace)
    trace.put_job(JobRecord(1, 2, "QuerySet.count", "executor", 0.3))
    assert_same_lanes(index, trace)
    trace.update_job(1, thread="db-b", started=0.35)  # running: no end yet
    assert_same_lanes(index, trace)
    trace.put_job(JobRecord(2, 1, "QuerySet.get", "executor", 0.31))
    trace.finish_job(2, "db-a", 0.32, 0.34, 1, 0)  # started first: db-a's lane comes first
    trace.put_query(QueryRecord(1, 2, 1, "QuerySet.count", "SELECT 1", "db-b", "django", 0.36))
    assert_same_lanes(index, trace)
    trace.finish_job(1, "db-b", 0.35, 0.5, -1, 1)
    trace.close_query(1, 0.9, 3)  # after every step: the lanes run to it
    add_step(trace, StepKind.QUERY_EXECUTE, 2, 0.4, thread="db-b")
    assert_same_lanes(index, trace)
    trace.update_job(2, thread="db-b", started=0.45)  # rewritten after it finished
    trace.update_task(2, outcome="returned", ended_t=0.6)
    trace.update_task(1, created_t=0.0)  # the loop now starts at 0
    add_step(trace, StepKind.TASK_END, 2, 0.6)
    assert_same_lanes(index, trace)
    assert [lane.name for lane in index.lanes() if lane.kind == "db"] == ["db-b"]


def test_a_bounded_trace_changes_its_lanes_at_the_front_as_it_drops_steps() -> None:
    """Drops take each task's first steps (its lane then starts from its creation), the
    latest time (steps out of order), the loop thread that names the loop lane, and a
    task's end, after which (never in a run) its later steps count again."""
    trace = Trace(scenario=ScenarioInfo("drops", "", "main", ""), max_steps=5)
    index = LaneIndex(trace)
    trace.put_task(TaskRecord(1, "main", "main", 0, 0.0))
    trace.put_task(TaskRecord(2, "helper", "helper", 1, 0.0))
    plan = [
        (StepKind.TASK_START, 1, 0.1, "orm-viz-loop-1"),
        (StepKind.TASK_START, 2, 0.9, "orm-viz-loop-1"),  # the latest time, dropped later
        (StepKind.QUERY_EXECUTE, 1, 0.2, "db-1"),
        (StepKind.TASK_END, 2, 0.3, "orm-viz-loop-2"),
        (StepKind.TASK_RESUME, 2, 0.35, "orm-viz-loop-2"),  # after task 2's end
        (StepKind.TASK_RESUME, 1, 0.4, "orm-viz-loop-2"),
        (StepKind.TASK_RESUME, 2, 0.45, "db-2"),
        (StepKind.TASK_RESUME, 1, 0.5, "db-1"),
        (StepKind.TASK_RESUME, 1, 0.6, "db-1"),
        (StepKind.TASK_RESUME, 1, 0.7, "db-1"),
        (StepKind.TASK_END, 1, 0.8, "db-1"),
    ]
    for kind, task, t, thread in plan:
        index_ = add_step(trace, kind, task, t, paused=task == 1, thread=thread)
        assert_same_lanes(index, trace)
        if task == 1:
            trace.released(index_, t + 0.01)
            assert_same_lanes(index, trace)
    assert trace.dropped_steps == len(plan) - 5
    assert index.lanes()[0].name == "event loop"  # no held step is on a loop thread


def test_a_long_bounded_trace_read_a_few_steps_at_a_time() -> None:
    """Thousands of steps dropped, past the index's compaction of each task's entries."""
    trace = Trace(scenario=ScenarioInfo("long", "", "main", ""), max_steps=1500)
    trace.put_task(TaskRecord(1, "main", "main", 0, 0.0))
    trace.put_task(TaskRecord(2, "helper", "helper", 1, 0.0))
    index = LaneIndex(trace)
    for at in range(8000):
        kind = StepKind.QUERY_EXECUTE if at % 10 == 1 else StepKind.TASK_RESUME
        step = add_step(trace, kind, 2 if at % 13 == 0 else 1, at / 100, paused=at % 4 == 0)
        if at % 4 == 0:
            trace.released(step, at / 100 + 0.004)
        if at % 250 == 0:
            assert_same_lanes(index, trace)
    assert trace.dropped_steps > 6000
    assert_same_lanes(index, trace)


def test_idle_waits_out_of_order_and_dropped_events_are_read_as_they_are_now() -> None:
    trace = Trace(scenario=ScenarioInfo("events", "", "main", ""), max_events=6)
    index = LaneIndex(trace)
    trace.put_task(TaskRecord(1, "main", "main", 0, 0.0))
    add_step(trace, StepKind.TASK_START, 1, 0.01)
    waits = [(0.1, "20.0 ms"), (0.3, "50.0 ms"), (0.2, "150.0 ms"), (0.25, "1.0 ms")]
    for t, text in waits:  # the third and fourth start before the second
        trace.add_event(Event(0, EventKind.LOOP_IDLE, t, text=text))
        assert_same_lanes(index, trace)
    trace.add_event(Event(0, EventKind.LOOP_BLOCKED, 0.5, text="150 ms"))
    trace.add_event(Event(0, EventKind.WARNING, 0.5, text="RuntimeWarning"))
    assert_same_lanes(index, trace)
    for n in range(8):  # the first events are dropped, the block too
        trace.add_event(Event(0, EventKind.LOOP_IDLE, 0.6 + n / 10, text="5.0 ms"))
        add_step(trace, StepKind.TASK_RESUME, 1, 0.61 + n / 10)
        assert_same_lanes(index, trace)
    assert trace.dropped_events > 4
    assert not index.blocked_stretches()


@pytest.mark.parametrize("seed", range(12))
def test_random_traces_written_in_any_order(seed: int) -> None:
    """Steps of any kind, paused or not, released late or never, in or out of time
    order; tasks, jobs and queries put and rewritten; events; small bounds: after every
    write the index equals the pure view."""
    rng = random.Random(seed)
    trace = Trace(
        scenario=ScenarioInfo("random", "", "main", ""),
        max_steps=rng.choice([4, 9, 30, 1000]),
        max_events=rng.choice([3, 10, 1000]),
    )
    index = LaneIndex(trace)
    clock = 0.0
    unreleased: list[int] = []
    kinds = list(StepKind)
    threads = ["orm-viz-loop-1", "orm-viz-loop-2", "db-1", "db-2"]
    for _ in range(300):
        clock += rng.choice([0.0, 0.001, 0.01, 0.05])
        t = clock - rng.choice([0.0, 0.0, 0.0, 0.02])  # now and then earlier than the last
        what = rng.randrange(10)
        if what < 4:
            paused = rng.random() < 0.6
            step = add_step(
                trace,
                rng.choice(kinds),
                rng.randint(1, 4),
                t,
                paused=paused,
                thread=rng.choice(threads),
            )
            if paused:
                unreleased.append(step)
        elif what == 4 and unreleased:
            trace.released(unreleased.pop(rng.randrange(len(unreleased))), clock)
        elif what == 5:
            task = rng.randint(1, 4)
            if task in trace.tasks and rng.random() < 0.5:
                trace.update_task(task, ended_t=rng.choice([-1.0, t]), created_t=t - 0.1)
            else:
                trace.put_task(TaskRecord(task, f"t{task}", "coro", 0, t))
        elif what == 6:
            job = rng.randint(1, 6)
            if job in trace.jobs:
                started = rng.choice([-1.0, t - 0.01, t])
                finished = rng.choice([-1.0, t + 0.01])
                trace.finish_job(job, rng.choice(["", *threads[2:]]), started, finished, 1, 0)
            else:
                trace.put_job(JobRecord(job, 1, "QuerySet.count", "executor", t))
        elif what == 7:
            query = rng.randint(1, 4)
            if query in trace.queries:
                trace.close_query(query, t + rng.choice([0.0, 0.1]), 1)
            else:
                trace.put_query(QueryRecord(query, 1, 1, "QuerySet.get", "SELECT", "db-1", "x", t))
        else:
            kind = rng.choice([EventKind.LOOP_IDLE, EventKind.LOOP_BLOCKED, EventKind.WARNING])
            text = f"{rng.choice([1, 2, 120, 40]):.1f} ms"
            trace.add_event(Event(max(trace.last_index, 0), kind, t, text=text))
        assert_same_lanes(index, trace)


def test_the_lane_index_module_imports_neither_textual_nor_django() -> None:
    code = "import sys, orm_viz.views.lane_index; print('\\n'.join(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "textual" not in loaded
    assert "django" not in loaded
