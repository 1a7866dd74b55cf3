"""The lanes of a growing trace, kept up to date rather than derived again.

:func:`orm_viz.views.lanes.lanes` is a pure function, a pass over every step: right for
``orm-viz trace`` and saved traces, but a third of a second at 100,000 steps, too slow to
redo on the UI thread as a live trace grows. A :class:`LaneIndex` keeps the intervals
each step adds to its task's lane, the loop's idle waits and blocks, and each DB thread's
jobs, and extends them with what was recorded since it last looked.

What a step adds to its task's lane depends only on the step, the one before it and, if
it paused, its release time, which is written when it is released, after the step. So a
paused step is kept aside until its release is recorded (in a real run, a task's next
step comes only after that), and whatever depends on records that change later is
derived when asked: the stretch from a task's creation to its first held step (a
bounded trace drops its early steps), each lane's last stretch (to the task's end or to
the end of the run, which moves as the trace grows), the loop's last running stretch and
its name, and the jobs that have not finished. So every answer equals the pure view's
at the time of the call.
"""

from __future__ import annotations

import bisect
from array import array
from collections import deque
from dataclasses import dataclass, field
from operator import attrgetter

from orm_viz.trace.records import JobRecord, Step, StepKind, TaskRecord
from orm_viz.trace.store import Trace
from orm_viz.views.lanes import (
    Interval,
    Lane,
    job_interval,
    long_blocks,
    loop_interval,
    state_after,
    walk_steps,
)

_GAP = 1  # bits of a committed step's parts: the body holds its stretch since the step before
_PAUSE = 2  # and its pause until its release
_HELD = (0, 1, 1, 2)  # how many of the body's intervals each parts value stands for
# The entries of dropped steps are freed once there are at least this many and they are at
# least half of a task's entries, so freeing costs O(1) per dropped step.
_COMPACT_AFTER = 1024
_LOOP_THREAD = "orm-viz-loop"
_ID = attrgetter("id")
_START = attrgetter("start")
_END = attrgetter("end")


@dataclass(slots=True, eq=False)
class _TaskLane:
    """What the index keeps of one task's lane.

    Attributes:
        steps: indices of the task's committed steps (their intervals are final), in order.
        times: their times.
        parts: per committed step, which of its intervals ``body`` holds (_GAP, _PAUSE).
        head: entries before it are dropped steps, kept until compaction.
        body: the intervals of the committed steps in order, except the first held one's
            stretch from the task's creation (the task's record may change).
        after: where the last committed step left the task: its release, or its time.
        state: the state it left the task in; "" if it was the task's end.
        pending: the steps after the committed ones: from a paused step whose release is
            not recorded yet on.
        beyond: steps after a committed end (none in a real run); they count again if the
            end is dropped.
        version: bumps whenever any of the above changes.
        key: what ``lane`` was made from.
        lane: the lane last made, given again while ``key`` holds.
    """

    steps: array[int] = field(default_factory=lambda: array("q"))
    times: array[float] = field(default_factory=lambda: array("d"))
    parts: bytearray = field(default_factory=bytearray)
    head: int = 0
    body: deque[Interval] = field(default_factory=deque)
    after: float = 0.0
    state: str = ""
    pending: deque[Step] = field(default_factory=deque)
    beyond: list[Step] = field(default_factory=list)
    version: int = 0
    key: tuple[object, ...] | None = None
    lane: Lane | None = None

    @property
    def committed(self) -> bool:
        """Some held step is committed."""
        return self.head < len(self.steps)

    @property
    def ended(self) -> bool:
        """The last committed step is the task's end: later steps add nothing."""
        return self.committed and not self.state


@dataclass(slots=True, eq=False)
class _ThreadLane:
    """One DB thread's jobs, sorted as the pure view sorts them.

    Attributes:
        keys: (started, the job's position among the trace's jobs), ascending.
        intervals: each job's interval, in the same order.
        lane: the lane last made, or None since it changed.
    """

    keys: list[tuple[float, int]] = field(default_factory=list)
    intervals: list[Interval] = field(default_factory=list)
    lane: Lane | None = None


class LaneIndex:
    """The lanes of one trace, kept up to date with it.

    :meth:`lanes` first reads what the trace recorded since the last call, then makes
    the lanes from what it kept: Python work in O(steps and events recorded since +
    tasks + unfinished jobs + threads), plus passes in C over the jobs and queries (a
    snapshot each, a comparison, a max) and a copy of each changed lane's intervals
    into its tuple (0.4 ms for 100,000 intervals). Each answer equals ``lanes(trace)``
    at the time of the call. All calls must come from one thread (the UI's); the trace
    may grow from others.

    A drop of early events (past the trace's ``max_events``) makes the loop lane read
    all held events again. Two things a run never does are assumed: a step's release
    time is written once, and the trace's ``loop_thread`` does not change once free-run
    steps are recorded.

    Attributes:
        trace: the trace indexed.
    """

    def __init__(self, trace: Trace) -> None:
        """Index ``trace``; nothing is read before the first call.

        Args:
            trace: the run, live or loaded.
        """
        self.trace = trace
        self._next = 0  # index of the next step to read
        self._first = 0  # the trace's first_index when last read
        self._tasks: dict[int, _TaskLane] = {}
        # (index, t) of held steps whose t no later step reaches: the first is the latest.
        self._peaks: deque[tuple[int, float]] = deque()
        # (thread, last index) of each run of held steps on the same loop thread.
        self._loop_threads: deque[tuple[str, int]] = deque()
        # The loop: its waits sorted by start (ties in event order), its blocks in event
        # order, and the walk that puts running stretches between the waits.
        self._events_seen = 0  # counting dropped events
        self._events_dropped = 0
        self._waits: list[Interval] = []
        self._blocks: list[Interval] = []
        self._walk: list[Interval] = []
        self._marks: list[tuple[int, float]] = []  # per wait walked: len(walk), start before
        self._walk_start = 0.0
        self._origin: float | None = None  # the earliest task creation the walk began at
        self._loop_version = 0
        self._loop_key: tuple[object, ...] | None = None
        self._loop_lane: Lane | None = None
        # Jobs: each record as last read (in the trace's order), where it sits in its
        # thread's lane, and which may still change (not finished).
        self._jobs: list[JobRecord] = []
        self._placed: list[tuple[str, tuple[float, int]] | None] = []
        self._unfinished: set[int] = set()
        self._threads: dict[str, _ThreadLane] = {}

    # ------------------------------------------------------------------ public reads

    def lanes(self) -> list[Lane]:
        """Every lane of the run: equals ``lanes(trace)``.

        Returns:
            The loop lane, then tasks by id, then DB threads by first use.
        """
        self._refresh()
        tasks = self.trace.task_list()
        end_of_run = self._end_of_run(tasks)
        return [
            self._loop(tasks, end_of_run),
            *(self._task(record, end_of_run) for record in sorted(tasks, key=_ID)),
            *self._db(),
        ]

    def blocked_stretches(self) -> list[Interval]:
        """The loop blocks of at least 100 ms: equals ``blocked_stretches(trace)``."""
        self._read_events()
        return long_blocks(self._blocks)

    # ------------------------------------------------------------------ lanes

    def _end_of_run(self, tasks: tuple[TaskRecord, ...]) -> float:
        ends = [task.ended_t for task in tasks]
        if self._peaks:
            ends.append(self._peaks[0][1])
        queries = self.trace.query_list()
        if queries:
            ends.append(max(map(_END, queries)))
        return max(ends, default=0.0)

    def _loop(self, tasks: tuple[TaskRecord, ...], end_of_run: float) -> Lane:
        origin = min((task.created_t for task in tasks), default=0.0)
        if origin != self._origin:
            self._origin = origin
            self._unwalk(0)
            self._walk_start = origin
        self._walk_on()
        name = self._loop_threads[0][0] if self._loop_threads else ""
        key = (name, origin, end_of_run, self._loop_version)
        if self._loop_lane is None or key != self._loop_key:
            start = self._walk_start
            last = (Interval(start, end_of_run, "running"),) if end_of_run > start else ()
            intervals = (*self._walk, *last, *self._blocks)
            self._loop_key, self._loop_lane = key, Lane(name or "event loop", "loop", intervals)
        return self._loop_lane

    def _walk_on(self) -> None:
        """Walk the waits not walked yet: running from where the loop was to each."""
        walk, marks, waits = self._walk, self._marks, self._waits
        start = self._walk_start
        for at in range(len(marks), len(waits)):
            wait = waits[at]
            marks.append((len(walk), start))
            if wait.start > start:
                walk.append(Interval(start, wait.start, "running"))
            walk.append(wait)
            start = max(start, wait.end)
        self._walk_start = start

    def _unwalk(self, at: int) -> None:
        """Undo the walk from wait ``at`` on (a wait was put before it)."""
        if at < len(self._marks):
            length, self._walk_start = self._marks[at]
            del self._walk[length:], self._marks[at:]

    def _task(self, record: TaskRecord, end_of_run: float) -> Lane:
        """The lane of ``record``'s task, as ``_task_lanes`` in lanes.py makes it."""
        finish = record.ended_t if record.ended_t >= 0 else end_of_run
        name = f"T{record.id} {record.name}"
        lane = self._tasks.get(record.id)
        if lane is None:
            start = record.created_t  # a task with no held step: suspended until it ends
            waited = (Interval(start, finish, "suspended"),) if finish > start else ()
            return Lane(name, "task", waited)
        release_times = self.trace.release_times
        releases = tuple(release_times.get(step.index) for step in lane.pending)
        key = (record, finish, lane.version, releases)
        if lane.lane is not None and key == lane.key:
            return lane.lane
        intervals: list[Interval] = []
        if lane.committed:
            first_t = lane.times[lane.head]
            if first_t > record.created_t:
                intervals.append(Interval(record.created_t, first_t, "suspended"))
            intervals.extend(lane.body)
            start, state = lane.after, lane.state
        else:
            start, state = record.created_t, "suspended"
        if state:
            start, state = walk_steps(intervals, lane.pending, start, state, release_times)
        if state and finish > start:
            intervals.append(Interval(start, finish, state))
        lane.key, lane.lane = key, Lane(name, "task", tuple(intervals))
        return lane.lane

    def _db(self) -> list[Lane]:
        found = []
        for thread, lane in sorted(self._threads.items(), key=lambda item: item[1].keys[0]):
            if lane.lane is None:
                lane.lane = Lane(thread, "db", tuple(lane.intervals))
            found.append(lane.lane)
        return found

    # ------------------------------------------------------------------ keeping up

    def _refresh(self) -> None:
        trace = self.trace
        while True:
            first = trace.first_index
            if first > self._first:
                self._forget_steps_before(first)
            try:
                self._read_steps(max(self._next, first))
            except IndexError:
                if trace.first_index == first:
                    raise
                continue  # the run dropped steps while they were read: forget them too
            if trace.first_index == first:
                break
        self._read_events()
        self._read_jobs()

    def _read_steps(self, start: int) -> None:
        for step in self.trace.steps_since(start):
            self._add(step)
            self._next = step.index + 1

    def _add(self, step: Step) -> None:
        peaks = self._peaks
        while peaks and peaks[-1][1] <= step.t:
            peaks.pop()
        peaks.append((step.index, step.t))
        if step.thread.startswith(_LOOP_THREAD):
            runs = self._loop_threads
            if runs and runs[-1][0] == step.thread:
                runs[-1] = (step.thread, step.index)
            else:
                runs.append((step.thread, step.index))
        lane = self._tasks.get(step.task)
        if lane is None:
            lane = self._tasks[step.task] = _TaskLane()
        lane.version += 1
        if lane.ended:
            lane.beyond.append(step)
        else:
            lane.pending.append(step)
            self._settle(lane)

    def _settle(self, lane: _TaskLane) -> None:
        """Commit the task's pending steps up to the first that waits for its release
        (left pending, it is derived when asked: the same intervals)."""
        pending, release_times = lane.pending, self.trace.release_times
        while pending and not lane.ended:
            step = pending[0]
            if step.paused and step.index not in release_times:
                break
            self._commit(lane, pending.popleft())
        if lane.ended and pending:
            lane.beyond.extend(pending)
            pending.clear()

    def _commit(self, lane: _TaskLane, step: Step) -> None:
        """Add the step's intervals to the body, as ``_task_lanes`` in lanes.py does."""
        parts = 0
        if lane.committed and step.t > lane.after:  # else derived when asked (see body)
            lane.body.append(Interval(lane.after, step.t, lane.state))
            parts = _GAP
        start = step.t
        if step.kind is StepKind.TASK_END:
            lane.state = ""
        else:
            released = self.trace.release_times.get(step.index, step.t) if step.paused else start
            if released > start:
                lane.body.append(Interval(start, released, "paused", step.kind.value))
                parts |= _PAUSE
                start = released
            lane.state = state_after(step.kind)
        lane.after = start
        lane.steps.append(step.index)
        lane.times.append(step.t)
        lane.parts.append(parts)
        lane.version += 1

    def _forget_steps_before(self, first: int) -> None:
        peaks, runs = self._peaks, self._loop_threads
        while peaks and peaks[0][0] < first:
            peaks.popleft()
        while runs and runs[0][1] < first:
            runs.popleft()
        for lane in self._tasks.values():
            if self._forget_task_steps(lane, first) and lane.pending:
                self._settle(lane)
        self._first = first

    def _forget_task_steps(self, lane: _TaskLane, first: int) -> bool:
        """Drop the task's steps before ``first``; True if it held any."""
        changed = False
        if lane.committed and lane.steps[lane.head] < first:
            changed, ended = True, lane.ended
            while lane.committed and lane.steps[lane.head] < first:
                for _ in range(_HELD[lane.parts[lane.head]]):
                    lane.body.popleft()
                lane.head += 1
            if lane.committed:
                if lane.parts[lane.head] & _GAP:  # it now starts from the task's creation
                    lane.body.popleft()
                    lane.parts[lane.head] &= _PAUSE
                if lane.head >= _COMPACT_AFTER and lane.head * 2 >= len(lane.steps):
                    lane.steps = lane.steps[lane.head :]
                    lane.times = lane.times[lane.head :]
                    lane.parts = lane.parts[lane.head :]
                    lane.head = 0
            else:
                lane.steps, lane.times, lane.parts = array("q"), array("d"), bytearray()
                lane.head = 0
                if ended:  # the end is gone: the held steps after it count
                    lane.pending.extend(step for step in lane.beyond if step.index >= first)
                    lane.beyond = []
        while lane.pending and lane.pending[0].index < first:
            lane.pending.popleft()
            changed = True
        if lane.beyond and lane.beyond[0].index < first:
            lane.beyond = [step for step in lane.beyond if step.index >= first]
            changed = True
        if changed:
            lane.version += 1
        return changed

    def _read_events(self) -> None:
        dropped, new = self.trace.events_since(self._events_seen)
        while dropped > self._events_dropped:  # the trace dropped some: read all it holds
            self._events_dropped = self._events_seen = dropped
            self._waits, self._blocks, self._walk, self._marks = [], [], [], []
            self._origin = None  # the next lanes() walks the waits from the start
            self._loop_version += 1
            dropped, new = self.trace.events_since(0)
        stop = max(self._events_seen, dropped) + len(new)
        waits = self._waits
        for event in new:
            interval = loop_interval(event)
            if interval is None:
                continue
            self._loop_version += 1
            if interval.state == "blocked":
                self._blocks.append(interval)
            elif waits and interval.start < waits[-1].start:
                at = bisect.bisect_right(waits, interval.start, key=_START)
                waits.insert(at, interval)
                self._unwalk(at)
            else:
                waits.append(interval)
        self._events_seen = stop

    def _read_jobs(self) -> None:
        snapshot = self.trace.job_list()
        known = self._jobs
        if len(snapshot) < len(known):  # never in a run: start again
            self._jobs, self._placed, self._unfinished, self._threads = [], [], set(), {}
            known = self._jobs
        for position in [p for p in self._unfinished if snapshot[p] is not known[p]]:
            self._place(position, snapshot[position])
        for position in range(len(known), len(snapshot)):
            known.append(snapshot[position])
            self._placed.append(None)
            self._place(position, snapshot[position])
        if tuple(known) != snapshot:  # a finished job's record was replaced (never in a run)
            for position, record in enumerate(snapshot):
                if record != known[position]:
                    self._place(position, record)

    def _place(self, position: int, record: JobRecord) -> None:
        """Put the job's interval where the pure view's sort puts it."""
        placed = self._placed[position]
        if placed is not None:
            thread, key = placed
            old = self._threads[thread]
            at = bisect.bisect_left(old.keys, key)
            del old.keys[at], old.intervals[at]
            old.lane = None
            if not old.keys:
                del self._threads[thread]
        interval = job_interval(record)
        if interval is None:
            self._placed[position] = None
        else:
            key = (record.started, position)
            lane = self._threads.get(record.thread)
            if lane is None:
                lane = self._threads[record.thread] = _ThreadLane()
            at = bisect.bisect_left(lane.keys, key)
            lane.keys.insert(at, key)
            lane.intervals.insert(at, interval)
            lane.lane = None
            self._placed[position] = (record.thread, key)
        self._jobs[position] = record
        if record.finished < 0:
            self._unfinished.add(position)
        else:
            self._unfinished.discard(position)
