"""The Trace store: bounded, with a cursor, never losing steps silently."""

from __future__ import annotations

import pytest

from orm_viz.trace import ScenarioInfo, StepKind, Trace


def make_trace(max_steps: int) -> Trace:
    return Trace(scenario=ScenarioInfo("t", "", "", ""), max_steps=max_steps)


def add(trace: Trace, count: int) -> None:
    for _ in range(count):
        trace.append_step(StepKind.TASK_RESUME, 1, "loop", 7, "f", (), (), -1, 0.0, True, "")


def test_a_full_trace_drops_its_earliest_steps_and_counts_them() -> None:
    trace = make_trace(max_steps=10)
    add(trace, 25)
    assert trace.dropped_steps == 15
    assert len(trace) == 25
    assert trace.first_index == 15
    assert trace.last_index == 24
    assert trace.step(15).index == 15
    with pytest.raises(IndexError, match="dropped"):
        trace.step(3)


def test_stepping_back_from_the_first_step_stays_there() -> None:
    trace = make_trace(max_steps=100)
    add(trace, 3)
    trace.jump(0)
    assert trace.back().index == 0
    assert trace.forward().index == 1
    assert trace.jump(99).index == 2
    assert trace.forward().index == 2
    assert trace.at_frontier


def test_the_cursor_never_points_at_a_dropped_step() -> None:
    trace = make_trace(max_steps=5)
    add(trace, 5)
    trace.jump(0)
    add(trace, 3)
    assert trace.cursor == trace.first_index == 3
    assert trace.current.index == 3


@pytest.mark.parametrize("held", [10, 20_000])  # read one by one; read in one pass
def test_new_steps_and_events_are_read_from_a_number_or_the_first_one_held(held: int) -> None:
    from orm_viz.trace import Event, EventKind

    trace = Trace(scenario=ScenarioInfo("t", "", "", ""), max_steps=held, max_events=held)
    add(trace, held + 5)
    for number in range(held + 5):
        trace.add_event(Event(number, EventKind.LOOP_IDLE, 0.0, text=str(number)))
    assert [s.index for s in trace.steps_since(held + 2)] == [held + 2, held + 3, held + 4]
    assert [s.index for s in trace.steps_since(0)] == list(range(5, held + 5))  # 0-4 dropped
    assert trace.steps_since(held + 5) == []
    dropped, events = trace.events_since(held + 3)
    assert (dropped, [e.text for e in events]) == (5, [str(held + 3), str(held + 4)])
    dropped, events = trace.events_since(0)
    assert [e.step for e in events] == list(range(5, held + 5))
