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
    (tasks); sql, fetch, busy (DB threads); running, idle, blocked (the loop)."""

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
    return [_loop_lane(trace, end_of_run), *_task_lanes(trace, end_of_run), *_db_lanes(trace)]


def _end_of_run(trace: Trace) -> float:
    times = [step.t for step in trace.iter_steps()]
    times += [task.ended_t for task in trace.task_list()]
    times += [query.end for query in trace.query_list()]
    return max(times, default=0.0)


def _loop_lane(trace: Trace, end_of_run: float | None = None) -> Lane:
    """Running between the stretches the loop waited idle (each ≥ 1 ms, as recorded);
    blocked where one iteration held the loop for ≥ 100 ms."""
    idle, blocked = [], []
    for event in trace.event_list():
        seconds = _ms_text(event.text)
        if event.kind is EventKind.LOOP_IDLE:
            idle.append(Interval(event.t - seconds, event.t, "idle"))
        elif event.kind is EventKind.LOOP_BLOCKED:
            blocked.append(Interval(event.t - seconds, event.t, "blocked", event.text))
    intervals: list[Interval] = []
    start = min((task.created_t for task in trace.task_list()), default=0.0)
    for wait in sorted(idle, key=lambda i: i.start):
        if wait.start > start:
            intervals.append(Interval(start, wait.start, "running"))
        intervals.append(wait)
        start = max(start, wait.end)
    end = _end_of_run(trace) if end_of_run is None else end_of_run
    if end > start:
        intervals.append(Interval(start, end, "running"))
    name = next((s.thread for s in trace.iter_steps() if s.thread.startswith("orm-viz-loop")), "")
    return Lane(name or "event loop", "loop", tuple(intervals + blocked))


def _ms_text(text: str) -> float:
    """Seconds from an event text like "312 ms"."""
    try:
        return float(text.split()[0]) / 1000
    except (ValueError, IndexError):
        return 0.0


# After a release: a task runs (typically for microseconds, not recorded per await) and
# then waits at its next await; a query step's task waits on the DB.
_AFTER = {
    StepKind.TASK_START: "suspended",
    StepKind.TASK_RESUME: "suspended",
    StepKind.QUERY_EXECUTE: "waiting-db",
    StepKind.QUERY_RESULT: "waiting-db",
}


def _task_lanes(trace: Trace, end_of_run: float) -> list[Lane]:
    """Each task from its creation: paused at a gate from a step until its release, then
    running or waiting on the DB until its next step, then done."""
    steps_by_task: dict[int, list] = {}
    for step in trace.iter_steps():
        steps_by_task.setdefault(step.task, []).append(step)
    found = []
    for task in sorted(trace.task_list(), key=lambda t: t.id):
        intervals = []
        start, state = task.created_t, "suspended"
        for step in steps_by_task.get(task.id, []):
            if step.t > start:
                intervals.append(Interval(start, step.t, state))
            start = step.t
            if step.kind is StepKind.TASK_END:
                state = ""
                break
            released = trace.release_times.get(step.index, step.t) if step.paused else step.t
            if released > start:
                intervals.append(Interval(start, released, "paused", step.kind.value))
                start = released
            state = _AFTER.get(step.kind, "suspended")
        finish = task.ended_t if task.ended_t >= 0 else end_of_run
        if state and finish > start:
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
        if interval.state == "blocked" and interval.end - interval.start >= BLOCK_FLAG_SECONDS
    ]


# Which state wins a column that several intervals share: the rarer, more telling one.
_PRIORITY = {
    "blocked": 9,
    "sql": 8,
    "fetch": 7,
    "busy": 6,
    "waiting-db": 5,
    "paused": 4,
    "running": 3,
    "suspended": 2,
    "idle": 1,
}


def raster(found: list[Lane], start: float, end: float, width: int) -> list[list[str]]:
    """Each lane as ``width`` columns over [start, end]: the telling-most state in each
    column ("" where nothing was recorded). Lanes of 100,000 intervals stay linear."""
    span = max(end - start, 1e-9)
    scale = width / span
    grid = []
    for lane in found:
        cells = [""] * width
        ranks = [0] * width
        for interval in lane.intervals:
            rank = _PRIORITY.get(interval.state, 0)
            first = max(0, int((interval.start - start) * scale))
            last = min(width - 1, int((interval.end - start) * scale))
            for column in range(first, last + 1):
                if rank > ranks[column]:
                    cells[column], ranks[column] = interval.state, rank
        grid.append(cells)
    return grid
