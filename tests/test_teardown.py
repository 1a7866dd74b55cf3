"""Many runs in one process leave no threads, files or connections behind."""

from __future__ import annotations

import gc
import os
import threading

from orm_viz.scenarios import load
from orm_viz.session import start_scenario_run
from orm_viz.trace import Mode
from tests.conftest import TEST_SCENARIOS, step_to_end


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def one_run(i: int, scenarios: dict) -> None:
    kind = i % 4
    if kind == 0:
        controller = start_scenario_run(scenarios["seed_corrected"], mode=Mode.STEP)
        assert step_to_end(controller).tasks[1].result.count("<User #") == 5
    elif kind == 1:
        controller = start_scenario_run(scenarios["aiosqlite"], mode=Mode.FREE, latency_ms=0)
        assert controller.run_to_end(timeout=10)
        assert controller.trace.tasks[1].result == "[8, 3, 9]"
    elif kind == 2:
        controller = start_scenario_run(scenarios["hangs"], mode=Mode.FREE)
    else:
        controller = start_scenario_run(scenarios["gather"], mode=Mode.STEP, latency_ms=0)
        controller.step()  # leave it paused at a gate
    assert controller.stop(timeout=1.0), f"run {i} did not stop"
    assert controller.trace.finished
    expected = "stopped" if kind in (2, 3) else "returned"
    assert controller.trace.outcome == expected


def test_two_hundred_runs_return_threads_and_file_descriptors_to_baseline() -> None:
    scenarios = {
        "seed_corrected": load("seed_corrected"),
        "aiosqlite": load(str(TEST_SCENARIOS / "aiosqlite_three.py")),
        "hangs": load(str(TEST_SCENARIOS / "hangs.py")),
        "gather": load("gather_serialized"),
    }
    for i in range(4):  # warm up: imports, the template database, caches
        one_run(i, scenarios)
    gc.collect()
    threads_before = threading.active_count()
    fds_before = open_fds()
    for i in range(200):
        one_run(i, scenarios)
    gc.collect()
    assert threading.active_count() == threads_before, [t.name for t in threading.enumerate()]
    assert open_fds() <= fds_before + 2
