"""Lanes: what the loop thread, each task and each DB thread did over time.

Intervals come from recorded times only: task steps, jobs (thread hops) and
queries; loop blocks come from ``loop_blocked`` events (an iteration that ran
for at least 100 ms, during which nothing else on the loop could run).
"""

from __future__ import annotations

from dataclasses import dataclass

from orm_viz.trace.records import EventKind, StepKind
from orm_viz.trace.store import Trace

BLOCK_FLAG_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class Interval:
    """A stretch of one lane. ``state`` is one of: running, suspended, paused, waiting-db
    (tasks); sql, fetch, busy (DB threads); blocked (the loop)."""

    start: float
    end: float
    state: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class Lane:
    name: str
    kind: str  # "loop", "task" or "db"
    intervals: tuple[Interval, ...]


def lanes(trace: Trace) -> list[Lane]:
    """Every lane of the run, loop first, then tasks by id, then DB threads by first use."""
    end_of_run = _end_of_run(trace)
    return [_loop_lane(trace), *_task_lanes(trace, end_of_run), *_db_lanes(trace)]


def _end_of_run(trace: Trace) -> float:
    times = [step.t for step in trace.iter_steps()]
    times += [task.ended_t for task in trace.task_list()]
    times += [query.end for query in trace.query_list()]
    return max(times, default=0.0)


def _loop_lane(trace: Trace) -> Lane:
    blocks = []
    for event in trace.event_list():
        if event.kind is EventKind.LOOP_BLOCKED:
            seconds = _block_seconds(event.text)
            blocks.append(Interval(event.t - seconds, event.t, "blocked", event.text))
    name = next((s.thread for s in trace.iter_steps() if s.thread.startswith("orm-viz-loop")), "")
    return Lane(name or "event loop", "loop", tuple(blocks))


def _block_seconds(text: str) -> float:
    try:
        return float(text.split()[0]) / 1000
    except (ValueError, IndexError):
        return 0.0


_AFTER = {
    StepKind.TASK_START: "running",
    StepKind.TASK_RESUME: "running",
    StepKind.QUERY_EXECUTE: "waiting-db",
    StepKind.QUERY_RESULT: "waiting-db",
}


def _task_lanes(trace: Trace, end_of_run: float) -> list[Lane]:
    steps_by_task: dict[int, list] = {}
    for step in trace.iter_steps():
        steps_by_task.setdefault(step.task, []).append(step)
    found = []
    for task in sorted(trace.task_list(), key=lambda t: t.id):
        steps = steps_by_task.get(task.id, [])
        intervals = []
        start = task.created_t
        state = "suspended"
        for step in steps:
            if step.t > start:
                intervals.append(Interval(start, step.t, state))
            start = step.t
            state = "paused" if step.paused else _AFTER.get(step.kind, "running")
            if step.kind is StepKind.TASK_END:
                break
        finish = task.ended_t if task.ended_t >= 0 else end_of_run
        if finish > start and (not steps or steps[-1].kind is not StepKind.TASK_END):
            intervals.append(Interval(start, finish, state))
        found.append(Lane(f"T{task.id} {task.name}", "task", tuple(intervals)))
    return found


def _db_lanes(trace: Trace) -> list[Lane]:
    """One interval per thread hop (job) on its worker thread: ``sql`` if it ran SQL,
    ``fetch`` if it only read rows of an earlier statement, ``busy`` otherwise."""
    by_thread: dict[str, list[Interval]] = {}
    for job in sorted(trace.job_list(), key=lambda j: j.started):
        if not job.thread or job.started < 0:
            continue
        end = job.finished if job.finished >= 0 else job.started
        state = "sql" if job.queries else "fetch" if job.rows >= 0 else "busy"
        by_thread.setdefault(job.thread, []).append(Interval(job.started, end, state, job.function))
    return [Lane(thread, "db", tuple(intervals)) for thread, intervals in by_thread.items()]


def blocked_stretches(trace: Trace) -> list[Interval]:
    """Loop blocks of at least 100 ms: the loop could run nothing else meanwhile."""
    return [
        interval
        for interval in _loop_lane(trace).intervals
        if interval.end - interval.start >= BLOCK_FLAG_SECONDS
    ]
