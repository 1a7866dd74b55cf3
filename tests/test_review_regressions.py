"""Regressions found in review: each was a hang, a leak into user code or a wrong answer."""

from __future__ import annotations

import asyncio
import gc
import math
import multiprocessing
import weakref
from concurrent.futures import ProcessPoolExecutor

from orm_viz.trace import LoopFactory, Mode, StepKind
from orm_viz.views.story import execution_table
from tests.conftest import step_to_end


def test_others_mode_holds_a_second_gate_of_the_focused_task_without_losing_it(
    run_scenario,
) -> None:
    # The focused task reaches an await while its own fire-and-forget job is parked at a
    # DB gate: both are held; stepping releases both, in turn.
    controller = run_scenario("fire_and_forget.py", Mode.OTHERS)
    trace = step_to_end(controller, timeout=5)
    assert trace.tasks[1].result == "8"
    kinds = [s.kind for s in trace.iter_steps()]
    assert StepKind.QUERY_EXECUTE in kinds
    assert StepKind.QUERY_RESULT in kinds


def test_rows_are_received_only_by_the_await_that_gets_them(traced) -> None:
    rows = execution_table(traced("fire_and_forget.py", Mode.FREE))
    sleeps = [r for r in rows if "asyncio.sleep" in r.action and r.kind == "task_resume"]
    assert sleeps
    assert all(r.result == "resumed" for r in sleeps)  # not "8 rows received"


def test_a_query_cancelled_by_a_timeout_delivers_nothing(traced) -> None:
    rows = execution_table(traced("query_timed_out.py", Mode.FREE, latency_ms=300))
    assert not any(r.result.endswith("received") for r in rows)


def test_a_failed_submit_does_not_stall_step_mode(run_scenario) -> None:
    trace = step_to_end(run_scenario("shut_executor.py"), timeout=5)
    assert trace.tasks[1].result == "'ok'"


def test_stop_finishes_the_trace_when_a_worker_is_stuck_in_a_c_call(run_scenario) -> None:
    controller = run_scenario("stuck_worker.py", Mode.FREE)
    controller.stop(timeout=1.0)  # the worker cannot be interrupted; the run still ends
    assert controller.hub.wait_until(lambda: controller.trace.finished, timeout=5)
    assert controller.trace.outcome == "stopped"


class _HostileCallable:
    def __call__(self) -> int:
        return 42

    def __getattr__(self, name: str) -> object:
        raise KeyError(name)  # like a dict-backed proxy


async def _hostile() -> int:
    return await asyncio.get_running_loop().run_in_executor(None, _HostileCallable())


async def _in_a_process() -> int:
    # spawn: forking a process that runs threads is unsafe (and warned about on 3.12+)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, math.factorial, 5)


def test_the_loop_hook_never_changes_what_run_in_executor_returns() -> None:
    for program, expected in ((_hostile, 42), (_in_a_process, 120)):
        with asyncio.Runner(loop_factory=LoopFactory()) as runner:
            assert runner.run(program()) == expected


async def _sleeps() -> int:
    await asyncio.sleep(0)
    return 1


def test_a_finished_free_run_is_freed_at_once_not_by_the_garbage_collector() -> None:
    # No reference cycle holds a loop, its tracer or its trace: a long run's memory goes
    # when its last user lets go, not at a later collection (slow, and in someone's run).
    gc.collect()
    gc.disable()
    try:
        with asyncio.Runner(loop_factory=LoopFactory()) as runner:
            assert runner.run(_sleeps()) == 1
            loop = weakref.ref(runner.get_loop())
        del runner
        assert loop() is None
    finally:
        gc.enable()
