"""Controller modes on real runs: play, continue, others-run, focus, stop."""

from __future__ import annotations

import threading

from orm_viz.trace import Mode, StepKind
from orm_viz.trace.frames import Position
from orm_viz.trace.gates import Gate, GateHub
from orm_viz.trace.store import ScenarioInfo, Trace
from tests.conftest import step_to_end


def test_back_and_forward_replay_recorded_steps_without_releasing_gates(run_scenario) -> None:
    controller = run_scenario("seed_corrected")
    trace = controller.trace
    controller.step()
    controller.step()
    assert trace.last_index == 2
    assert controller.back().index == 1
    assert controller.back().index == 0
    assert controller.back().index == 0  # stays at the first step
    assert controller.step().index == 1  # replayed, nothing released
    assert trace.last_index == 2
    assert controller.step().index == 2
    assert controller.step().index == 3  # now a gate is released
    assert trace.last_index == 3


def test_continue_runs_to_the_end_and_records_every_step(run_scenario) -> None:
    controller = run_scenario("gather_serialized", latency_ms=0)
    assert controller.run_to_end(timeout=10)
    trace = controller.trace
    assert trace.outcome == "returned"
    kinds = [s.kind for s in trace.iter_steps()]
    assert kinds.count(StepKind.QUERY_EXECUTE) == 3
    assert kinds.count(StepKind.TASK_END) == 4
    assert trace.cursor == trace.last_index


def test_play_releases_gates_on_a_timer(run_scenario) -> None:
    controller = run_scenario("seed_corrected")
    controller.play(interval=0.01)
    assert controller.hub.wait_until(lambda: controller.trace.finished, timeout=10)
    controller.pause()
    assert [s.kind for s in controller.trace.iter_steps()][-1] is StepKind.TASK_END


def test_pause_stops_play_where_it_is(run_scenario) -> None:
    controller = run_scenario("gather_serialized", latency_ms=0)
    controller.play(interval=0.05)
    assert controller.hub.wait_until(lambda: len(controller.trace) >= 3, timeout=10)
    controller.pause()
    held = len(controller.trace)
    assert controller.mode is Mode.STEP
    assert not controller.hub.wait_until(lambda: len(controller.trace) > held, timeout=0.3)
    step_to_end(controller)


def test_switching_to_others_releases_every_other_task(run_scenario) -> None:
    controller = run_scenario("gather_serialized", latency_ms=0)
    controller.step()  # the three gathered tasks are now waiting to start
    controller.others_run()
    step_to_end(controller)
    trace = controller.trace
    assert trace.outcome == "returned"
    later = [s for s in trace.iter_steps() if s.index > 1]
    assert {s.task for s in later} == {1}


def test_focusing_another_task_holds_that_one_instead(run_scenario) -> None:
    controller = run_scenario("ticker_alongside", Mode.OTHERS, latency_ms=0)
    controller.focus(2)  # the ticker
    step_to_end(controller)
    trace = controller.trace
    assert {s.task for s in trace.iter_steps() if s.index > 0} == {2}
    assert trace.tasks[2].outcome == "returned"


def test_stop_from_any_mode_joins_the_run_quickly(run_scenario) -> None:
    for mode in (Mode.STEP, Mode.OTHERS, Mode.PLAY):
        controller = run_scenario("ticker_alongside", mode, latency_ms=2000)
        controller.step(timeout=0.5)
        assert controller.stop(timeout=1.0)
        assert controller.trace.finished


def test_the_first_step_stays_held_when_it_is_presented_before_anyone_waits() -> None:
    """Others mode presents the focused task's first gate on arrival; starting the run
    waits for that step and must not release it (that let the task run on, once in ten
    runs, before a focus change could apply)."""
    hub = GateHub(Trace(scenario=ScenarioInfo("t", "", "", "")), mode=Mode.OTHERS)
    released = threading.Event()
    gate = Gate(
        StepKind.TASK_START, 1, "loop", Position(3, "main", ((), ()), ()), 0.0,
        release=released.set,
    )  # fmt: skip
    assert hub.arrive(gate)  # presented at once: step 0
    assert hub.advance(1.0, after=-1, release=False)
    assert gate.held
    assert not released.is_set()
    assert hub.advance(1.0) is False  # a plain advance releases it (and no step follows)
    assert released.is_set()
