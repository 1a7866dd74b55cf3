"""Controller modes on real runs: play, continue, others-run, focus, stop."""

from __future__ import annotations

from orm_viz.trace import Mode, StepKind
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
