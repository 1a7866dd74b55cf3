"""Lanes: what the loop thread, each task and each DB thread did over time.

Intervals come from recorded times only: task steps, jobs (thread hops) and
queries; loop blocks come from ``loop_blocked`` events (an iteration that ran
for at least 100 ms, during which nothing else on the loop could run).

:func:`lanes` is a pass over every step; :class:`orm_viz.views.lane_index.LaneIndex`
gives the same lanes of a growing trace, reading only what was recorded since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter

from orm_viz.trace.records import Event, EventKind, JobRecord, Step, StepKind
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


def _loop_lane(trace: Trace, end_of_run: float) -> Lane:
    """Running between the stretches the loop waited idle (each ≥ 1 ms, as recorded);
    blocked where one iteration held the loop for ≥ 100 ms."""
    idle: list[Interval] = []
    blocked: list[Interval] = []
    for event in trace.event_list():
        interval = loop_interval(event)
        if interval is not None:
            (blocked if interval.state == "blocked" else idle).append(interval)
    intervals: list[Interval] = []
    start = min((task.created_t for task in trace.task_list()), default=0.0)
    for wait in sorted(idle, key=lambda i: i.start):
        if wait.start > start:
            intervals.append(Interval(start, wait.start, "running"))
        intervals.append(wait)
        start = max(start, wait.end)
    if end_of_run > start:
        intervals.append(Interval(start, end_of_run, "running"))
    name = next((s.thread for s in trace.iter_steps() if s.thread.startswith("orm-viz-loop")), "")
    return Lane(name or "event loop", "loop", tuple(intervals + blocked))


def loop_interval(event: Event) -> Interval | None:
    """The stretch an event says the loop waited idle or was blocked; None for other events."""
    if event.kind is EventKind.LOOP_IDLE:
        return Interval(event.t - _ms_text(event.text), event.t, "idle")
    if event.kind is EventKind.LOOP_BLOCKED:
        return Interval(event.t - _ms_text(event.text), event.t, "blocked", event.text)
    return None


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


def state_after(kind: StepKind) -> str:
    """The state a task is in from the release of a step of ``kind`` to its next step."""
    return _AFTER.get(kind, "suspended")


def walk_steps(
    intervals: list[Interval],
    steps: Iterable[Step],
    start: float,
    state: str,
    release_times: Mapping[int, float],
) -> tuple[float, str]:
    """Add to ``intervals`` what a task's ``steps`` make of its lane, which was left at
    ``start`` in ``state``: that state until each step, paused from a step until its
    release, then the state after it. Returns where the lane is left (state "" once the
    task has ended)."""
    for step in steps:
        if step.t > start:
            intervals.append(Interval(start, step.t, state))
        start = step.t
        if step.kind is StepKind.TASK_END:
            return start, ""
        released = release_times.get(step.index, step.t) if step.paused else step.t
        if released > start:
            intervals.append(Interval(start, released, "paused", step.kind.value))
            start = released
        state = state_after(step.kind)
    return start, state


def _task_lanes(trace: Trace, end_of_run: float) -> list[Lane]:
    """Each task from its creation: paused at a gate from a step until its release, then
    running or waiting on the DB until its next step, then done."""
    steps_by_task: dict[int, list] = {}
    for step in trace.iter_steps():
        steps_by_task.setdefault(step.task, []).append(step)
    found = []
    for task in sorted(trace.task_list(), key=lambda t: t.id):
        intervals: list[Interval] = []
        steps = steps_by_task.get(task.id, [])
        start, state = walk_steps(
            intervals, steps, task.created_t, "suspended", trace.release_times
        )
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
        interval = job_interval(job)
        if interval is not None:
            by_thread.setdefault(job.thread, []).append(interval)
    return [Lane(thread, "db", tuple(intervals)) for thread, intervals in by_thread.items()]


def job_interval(job: JobRecord) -> Interval | None:
    """The job's stretch on its worker thread as recorded so far; None before it started."""
    if not job.thread or job.started < 0:
        return None
    end = job.finished if job.finished >= 0 else job.started
    state = "sql" if job.queries else "fetch" if job.rows >= 0 else "busy"
    return Interval(job.started, end, state, job.function)


def blocked_stretches(trace: Trace) -> list[Interval]:
    """Loop blocks of at least 100 ms: the loop could run nothing else meanwhile."""
    return long_blocks(loop_interval(event) for event in trace.event_list())


def long_blocks(intervals: Iterable[Interval | None]) -> list[Interval]:
    """The loop blocks among ``intervals`` that lasted at least 100 ms, in their order."""
    return [
        interval
        for interval in intervals
        if interval is not None
        and interval.state == "blocked"
        and interval.end - interval.start >= BLOCK_FLAG_SECONDS
    ]


_START = attrgetter("start")
_END = attrgetter("end")


def time_span(found: list[Lane]) -> tuple[float, float]:
    """The earliest start and the latest end of the intervals of ``found`` ((0, 0) if none)."""
    starts = [min(map(_START, lane.intervals)) for lane in found if lane.intervals]
    ends = [max(map(_END, lane.intervals)) for lane in found if lane.intervals]
    return min(starts, default=0.0), max(ends, default=0.0)


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
