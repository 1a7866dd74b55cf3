"""The tracing core on real scenarios, a real SQLite copy and real threads."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from orm_viz.scenarios import bundled_names
from orm_viz.trace import EventKind, Mode, StepKind, Trace
from tests.conftest import step_to_end


def focus_steps(trace: Trace, task: int = 1) -> list:
    return [step for step in trace.iter_steps() if step.task == task]


def test_seed_corrected_tells_the_seed_pages_story_from_the_run(traced) -> None:
    trace = traced("seed_corrected")
    steps = focus_steps(trace)
    assert [s.kind for s in steps] == [
        StepKind.TASK_START,  # get_users() called: a coroutine, nothing awaited yet
        StepKind.QUERY_EXECUTE,  # awaiting; the query reached the DB thread
        StepKind.QUERY_RESULT,  # the DB thread has the rows, about to hand them back
        StepKind.TASK_RESUME,  # data received: processing in Python
        StepKind.TASK_END,  # returned
    ]
    start, execute, result, resume, end = steps
    assert start.line == trace.scenario.first_line
    assert execute.line == resume.line == start.line + 1
    assert end.line == start.line + 2
    # The query ran in a worker thread, not on the loop.
    assert start.thread.startswith("orm-viz-loop")
    assert execute.thread.startswith("ThreadPoolExecutor")
    assert execute.thread == result.thread != resume.thread
    # While the await is pending, `users` is unbound; at the end it holds the rows.
    assert "users" not in dict(execute.locals)
    assert "users" not in dict(resume.locals)
    users = dict(end.locals)["users"]
    assert users.count("<User #") == 5
    assert "[bold red]x[/]" in users  # kept as data, literally
    query = trace.queries[execute.query]
    assert query.orm_function == "QuerySet._fetch_all"
    assert "demo_db_user" in query.sql
    assert query.rows == 5
    assert result.detail == "5 rows read"
    assert trace.tasks[1].outcome == "returned"


def test_seed_as_written_raises_type_error_at_the_await_before_any_query(traced) -> None:
    trace = traced("seed_as_written")
    kinds = [s.kind for s in trace.iter_steps()]
    assert kinds == [StepKind.TASK_START, StepKind.TASK_END]
    end = trace.step(1)
    assert "TypeError" in end.detail
    assert "can't be used in 'await' expression" in end.detail
    assert end.line == trace.scenario.first_line + 1
    assert trace.tasks[1].outcome == "raised"
    assert trace.tasks[1].line == end.line
    assert trace.queries == {}


def test_gather_of_three_queries_runs_them_one_after_another_on_one_thread(traced) -> None:
    trace = traced("gather_serialized", latency_ms=100)
    queries = sorted(trace.queries.values(), key=lambda q: q.start)
    assert len(queries) == 3
    assert len({q.thread for q in queries}) == 1
    assert [q.orm_function for q in queries] == ["QuerySet.count"] * 3
    for earlier, later in itertools.pairwise(queries):
        assert earlier.end <= later.start, "queries on the DB thread overlapped"
    assert queries[-1].end - queries[0].start >= 3 * 0.100
    assert {q.task for q in queries} == {2, 3, 4}  # one gathered task each
    assert trace.tasks[1].result == "(8, 3, 9)"


# Every bundled lesson but two, whose order is decided outside the traced program:
# - blocking_the_loop: its ticker runs on wall-clock timers around a blocking call, so
#   how many ticks land before the block is up to the clock (time is never virtual:
#   a paused run still sees real time, see timeout_while_paused);
# - separate_contexts: leaving each ThreadSensitiveContext, asgiref joins its executor
#   in a thread of its own, and which of the three joins ends first is up to the OS.
# ticker_alongside keeps its timers far apart on purpose.
NOT_DETERMINISTIC = {"blocking_the_loop", "separate_contexts"}
DETERMINISTIC = [name for name in bundled_names() if name not in NOT_DETERMINISTIC]


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_step_mode_gives_the_same_steps_on_every_run(traced, name: str) -> None:
    def signature(trace: Trace) -> list[tuple[str, int, int]]:
        return [(s.kind.value, s.task, s.line) for s in trace.iter_steps()]

    latency = None if name == "ticker_alongside" else 20
    first = signature(traced(name, latency_ms=latency))
    second = signature(traced(name, latency_ms=latency))
    assert first == second
    assert len(first) >= 2


def test_others_mode_records_ticks_while_the_focused_task_is_paused(run_scenario) -> None:
    controller = run_scenario("ticker_alongside", Mode.OTHERS, latency_ms=100)
    trace = controller.trace
    assert controller.trace.current.kind is StepKind.TASK_START
    paused_at = controller.step()
    assert paused_at.kind is StepKind.QUERY_EXECUTE
    assert paused_at.task == 1
    steps_while_paused = len(trace)

    def ticker_resumes() -> list:
        return [e for e in tuple(trace.events) if e.kind is EventKind.TASK_RESUME and e.task == 2]

    # The main task stays held at its query; the ticker runs free meanwhile.
    assert controller.hub.wait_until(lambda: len(ticker_resumes()) >= 3, timeout=5.0)
    assert len(trace) == steps_while_paused
    assert all(s.task == 1 for s in trace.iter_steps())
    ticks = ticker_resumes()
    assert all(e.step == paused_at.index and e.t > paused_at.t for e in ticks)
    step_to_end(controller)
    active, ticks_total = eval(trace.tasks[1].result)  # rendered "(5, N)"
    assert active == 5
    assert ticks_total >= 3


def test_a_task_cancelled_while_paused_at_a_gate_is_recorded_as_cancelled(traced) -> None:
    trace = traced("cancel_paused.py")
    child = next(t for t in trace.tasks.values() if t.name == "slow_count")
    assert child.outcome == "cancelled"
    assert trace.tasks[1].result == "'cancelled'"
    ends = [s for s in trace.iter_steps() if s.kind is StepKind.TASK_END]
    assert {s.task for s in ends} == {1, child.id}


def test_an_exception_inside_the_scenario_is_part_of_the_story(traced) -> None:
    trace = traced("raises.py")
    end = list(trace.iter_steps())[-1]
    assert end.kind is StepKind.TASK_END
    assert end.detail == "raised: LookupError: found 8 users"
    assert trace.tasks[1].line == end.line > 0
    assert trace.outcome == "raised"
    assert len(trace.queries) == 1


def test_stop_ends_a_scenario_that_never_finishes_within_a_second(run_scenario) -> None:
    controller = run_scenario("hangs.py")
    assert controller.step(timeout=0.3) is None  # main starts, then waits for ever
    started = time.monotonic()
    assert controller.stop(timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert controller.trace.finished
    assert controller.trace.outcome == "stopped"


def test_stop_ends_a_scenario_that_blocks_its_loop(run_scenario) -> None:
    controller = run_scenario("blocks_loop.py", Mode.FREE)
    assert controller.trace.current.kind is StepKind.TASK_START
    started = time.monotonic()
    assert controller.stop(timeout=1.0)
    assert time.monotonic() - started < 1.1
    assert controller.trace.outcome == "stopped"


def test_stop_releases_a_query_held_at_its_gate(run_scenario) -> None:
    controller = run_scenario("seed_corrected")
    held = controller.step()
    assert held.kind is StepKind.QUERY_EXECUTE
    assert controller.stop(timeout=1.0)
    assert not any(
        t.name.startswith("ThreadPoolExecutor")
        for t in threading.enumerate()
        if t.name == held.thread
    )


def test_every_run_gets_its_own_copy_of_the_database(traced) -> None:
    first = traced("writes.py")
    second = traced("writes.py")
    # Each run starts from the template: same ids, same counts.
    assert first.tasks[1].result == second.tasks[1].result == "(9, 3, 9)"


def test_queries_link_task_job_function_and_sql(traced) -> None:
    trace = traced("writes.py")
    functions = [q.orm_function for q in sorted(trace.queries.values(), key=lambda q: q.id)]
    assert functions[0] == "QuerySet.create"
    assert functions[-1] == "QuerySet.count"
    update = next(q for q in trace.queries.values() if q.sql.startswith("UPDATE"))
    assert update.rows == 3  # three inactive users became active
    for query in trace.queries.values():
        job = trace.jobs[query.job]
        assert job.task == query.task == 1
        assert job.thread == query.thread


def test_aiosqlite_connections_are_traced_in_their_own_threads(traced) -> None:
    trace = traced("aiosqlite_three.py", Mode.FREE, latency_ms=100)
    queries = [q for q in trace.queries.values() if q.source == "aiosqlite"]
    assert len(queries) == 3
    assert len({q.thread for q in queries}) == 3
    assert all(q.rows == 1 for q in queries)
    starts = [q.start for q in queries]
    ends = [q.end for q in queries]
    assert max(starts) < min(ends), "three connections should overlap"
    assert trace.tasks[1].result == "[8, 3, 9]"


def test_simulated_latency_is_spent_in_the_db_thread_not_the_loop(traced) -> None:
    trace = traced("ticker_alongside", Mode.FREE, latency_ms=300)
    assert not [e for e in trace.events if e.kind is EventKind.LOOP_BLOCKED]
    query = next(iter(trace.queries.values()))
    assert query.latency == pytest.approx(0.3)
    assert query.end - query.start >= 0.3


def test_blocking_the_loop_is_flagged(run_scenario) -> None:
    controller = run_scenario("blocks_loop.py", Mode.FREE)
    # The loop never gets back to its selector while blocked; the block is measured
    # when the stop interrupts it and the loop comes round again.
    assert controller.stop(timeout=1.0)
    blocked = [e for e in controller.trace.events if e.kind is EventKind.LOOP_BLOCKED]
    assert blocked
    assert blocked[0].text.endswith("ms")
