"""The Trace: an append-only, bounded record of one run, with a cursor.

Writers are the run thread and DB threads. The hot paths of a run that holds nothing
append a step, or set a new job or query record, in one atomic operation and take no
lock; everything else (trimming, replacing a record, the readers' snapshots) takes the
trace's lock. Readers get immutable records. When more than ``max_steps`` steps are
recorded, the earliest are
dropped and counted in :attr:`Trace.dropped_steps`, never lost silently. Step
indices are absolute, so a dropped step is reported as such rather than
silently shifting every later index.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

from orm_viz.trace.records import Event, JobRecord, QueryRecord, Step, StepKind, TaskRecord

DEFAULT_MAX_STEPS = 250_000


_new_tuple = tuple.__new__  # builds a NamedTuple without its Python-level __new__
_KINDS = {kind.value: kind for kind in StepKind}

# The fast builders below and in tracer.py pass fields by position.
assert QueryRecord._fields[7:] == ("start", "end", "rows", "latency", "error")
assert JobRecord._fields[5:] == ("thread", "started", "finished", "rows", "queries")


DEFAULT_MAX_EVENTS = 1_000_000
# New steps or events up to this many are read one by one (see Trace.steps_since).
_FEW = 4096


def _code_line(code: CodeType, lasti: int) -> int:
    """The line of the instruction at byte offset ``lasti``, as ``frame.f_lineno`` reads it."""
    if lasti < 0:  # not started
        return code.co_firstlineno
    for start, end, line in code.co_lines():
        if start <= lasti < end:
            return line or 0
    return 0


def _event_step(event: Event) -> int:
    return event.step


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    """What was traced: enough to show the code without the original file."""

    name: str
    path: str
    function: str
    source: str
    first_line: int = 1


@dataclass(slots=True)
class Trace:
    """Everything recorded about one run.

    Steps and events are bounded deques; tasks, jobs and queries are kept whole
    (a run has far fewer of those than steps). All public reads are safe from
    any thread.
    """

    scenario: ScenarioInfo
    environment: dict[str, str] = field(default_factory=dict)
    max_steps: int = DEFAULT_MAX_STEPS
    max_events: int = DEFAULT_MAX_EVENTS
    # Raw step fields, without the index (implied by position): appending a tuple
    # is the cheapest thing the per-await hot path can do. Read through step()/iter_steps().
    _steps: deque[tuple[Any, ...]] = field(init=False, repr=False)
    events: deque[Event] = field(init=False)
    tasks: dict[int, TaskRecord] = field(default_factory=dict)
    jobs: dict[int, JobRecord] = field(default_factory=dict)
    queries: dict[int, QueryRecord] = field(default_factory=dict)
    dropped_steps: int = 0
    dropped_events: int = 0
    finished: bool = False
    outcome: str = "running"
    settings: dict[str, Any] = field(default_factory=dict)
    # The scenario's lesson (title, snapshot, key moments, extra quiz questions), as plain
    # JSON-ready data, so views of a saved trace need nothing but the trace.
    lesson: dict[str, Any] = field(default_factory=dict)
    _cursor: int = -1
    loop_thread: str = ""  # the thread of steps recorded on the free fast path
    # When each paused step was released (step index -> seconds since the start).
    release_times: dict[int, float] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # The line and func of free-run rows, which hold a code object and an f_lasti (reading
    # f_lineno walks the line table): id(code) -> (code, its qualname, {f_lasti: line}).
    _code_lines: dict[int, tuple[CodeType, str, dict[int, int]]] = field(
        default_factory=dict, repr=False
    )

    def __post_init__(self) -> None:
        self._steps = deque()  # bounded by trim(), so the hot path can append without a lock
        self.events = deque(maxlen=self.max_events)

    # ------------------------------------------------------------------ writing

    def append_step(self, kind: StepKind, *fields: Any) -> int:
        """Record a step from its fields after ``index`` (see :class:`Step`); returns its index."""
        with self._lock:
            self._steps.append((kind.value, *fields))
            if len(self._steps) > self.max_steps:
                self._trim_locked()
            return self.dropped_steps + len(self._steps) - 1

    def trim(self) -> None:
        """Drop the earliest steps beyond ``max_steps``, counting them."""
        with self._lock:
            self._trim_locked()

    def _trim_locked(self) -> None:
        steps = self._steps
        while len(steps) > self.max_steps:
            steps.popleft()
            self.dropped_steps += 1

    def load_steps(self, steps: list[Step], dropped: int) -> None:
        """Fill a loaded trace (steps already validated)."""
        with self._lock:
            self._steps.extend((step.kind.value, *step[2:]) for step in steps)
            self.dropped_steps = dropped

    def released(self, index: int, t: float) -> None:
        with self._lock:
            self.release_times[index] = t

    def add_event(self, event: Event) -> None:
        with self._lock:
            if len(self.events) == self.max_events:
                self.dropped_events += 1
            self.events.append(event)

    def put_task(self, task: TaskRecord) -> None:
        with self._lock:
            self.tasks[task.id] = task

    def put_job(self, job: JobRecord) -> None:
        with self._lock:
            self.jobs[job.id] = job

    def put_query(self, query: QueryRecord) -> None:
        with self._lock:
            self.queries[query.id] = query

    def update_task(self, task_id: int, **changes: Any) -> TaskRecord:
        with self._lock:
            task = self.tasks[task_id]._replace(**changes)
            self.tasks[task_id] = task
            return task

    def update_job(self, job_id: int, **changes: Any) -> JobRecord:
        with self._lock:
            job = self.jobs[job_id]._replace(**changes)
            self.jobs[job_id] = job
            return job

    def finish_job(
        self, job_id: int, thread: str, started: float, finished: float, rows: int, queries: int
    ) -> None:
        """Once per thread hop: the fast form of ``update_job`` (no keyword juggling)."""
        with self._lock:
            old = self.jobs[job_id]
            self.jobs[job_id] = _new_tuple(
                JobRecord, (*old[:5], thread, started, finished, rows, queries)
            )

    def close_query(self, query_id: int, end: float, rows: int) -> None:
        """Once per statement: the fast form of ``update_query``."""
        with self._lock:
            old = self.queries[query_id]
            self.queries[query_id] = _new_tuple(QueryRecord, (*old[:8], end, rows, *old[10:]))

    def update_query(self, query_id: int, **changes: Any) -> QueryRecord:
        with self._lock:
            query = self.queries[query_id]._replace(**changes)
            self.queries[query_id] = query
            return query

    def finish(self, outcome: str) -> None:
        with self._lock:
            self.finished = True
            self.outcome = outcome

    # ------------------------------------------------------------------ reading

    @property
    def first_index(self) -> int:
        """Absolute index of the earliest step still held."""
        return self.dropped_steps

    @property
    def last_index(self) -> int:
        """Absolute index of the latest step, or -1 if there is none."""
        return self.dropped_steps + len(self._steps) - 1

    def __len__(self) -> int:
        """Number of steps recorded, including dropped ones."""
        return self.dropped_steps + len(self._steps)

    def step(self, index: int) -> Step:
        """The step with absolute ``index``.

        Raises:
            IndexError: if it was dropped or not recorded yet.
        """
        with self._lock:
            position = index - self.dropped_steps
            if position < 0:
                raise IndexError(f"step {index} was dropped (the first {self.dropped_steps} were)")
            if position >= len(self._steps):
                raise IndexError(f"step {index} is not recorded yet")
            return self._as_step(index, self._steps[position])

    def _as_step(self, index: int, fields: tuple[Any, ...]) -> Step:
        """A Step from a stored row. Rows hold the kind as a plain string, and nothing else
        that the garbage collector must track.

        A free-run row (see ``Tracer.step_hook``) is ``(kind, task, lasti, code, names,
        chain, query, t, *values)``: it leaves out the fields every such step shares (its
        thread is the loop's, it did not pause, it has no detail), holds the innermost user
        frame's code and ``f_lasti`` for its line and func (``line, ""`` when the chain has
        no user frame), and its locals' values flat. Any other row is ``(kind, *fields)``,
        whose third item is the thread's name.
        """
        kind = _KINDS[fields[0]]
        if type(fields[2]) is int:
            task, line, func, names, chain, query, t = fields[1:8]
            if type(func) is CodeType:  # line is its f_lasti
                try:
                    code, func, lines = self._code_lines[id(func)]
                except KeyError:
                    code, func, lines = self._learn_lines(func)
                try:
                    line = lines[line]
                except KeyError:
                    lines[line] = _code_line(code, line)
                    line = lines[line]
            return _new_tuple(
                Step,
                (
                    index,
                    kind,
                    task,
                    self.loop_thread,
                    line,
                    func,
                    (names, fields[8:]),
                    chain,
                    query,
                    t,
                    False,
                    "",
                ),
            )
        return _new_tuple(Step, (index, kind, *fields[1:]))

    def _learn_lines(self, code: CodeType) -> tuple[CodeType, str, dict[int, int]]:
        """Start the line cache of ``code`` (see ``_code_lines``)."""
        found = self._code_lines[id(code)] = (code, code.co_qualname, {})
        return found

    def iter_steps(self) -> Iterator[Step]:
        with self._lock:
            snapshot, first = tuple(self._steps), self.dropped_steps
        return (self._as_step(first + i, fields) for i, fields in enumerate(snapshot))

    def steps_since(self, index: int) -> list[Step]:
        """The steps from absolute ``index`` on (from the first held one if ``index`` was
        dropped), read at one moment. O(steps returned), or one pass over the held steps
        when those are a quarter of them or more (a deque is indexed in O(distance to an
        end))."""
        with self._lock:
            first, steps = self.dropped_steps, self._steps
            start = max(index - first, 0)
            if len(steps) - start < max(_FEW, len(steps) // 4):
                rows = [steps[position] for position in range(start, len(steps))]
            else:
                rows = list(itertools.islice(steps, start, None))
        return [self._as_step(first + start + i, row) for i, row in enumerate(rows)]

    def events_since(self, number: int) -> tuple[int, list[Event]]:
        """``(dropped_events, events)``, read at one moment: the events from ``number`` on,
        counting dropped ones (from the first held one if ``number`` was dropped)."""
        with self._lock:
            dropped, events = self.dropped_events, self.events
            start = max(number - dropped, 0)
            if len(events) - start <= _FEW:
                new = [events[position] for position in range(start, len(events))]
            else:
                new = list(itertools.islice(events, start, None))
        return dropped, new

    def events_of_step(self, index: int) -> list[Event]:
        """Events recorded while step ``index`` was the latest (they arrive in step order)."""
        with self._lock:
            events = self.events
            start = bisect.bisect_left(events, index, key=_event_step)
            found = []
            for position in range(start, len(events)):
                event = events[position]
                if event.step != index:
                    break
                found.append(event)
        return found

    # Snapshots for readers on other threads while the run still writes (iterating the
    # live dicts from another thread can fail with "changed size during iteration").

    def task_list(self) -> tuple[TaskRecord, ...]:
        with self._lock:
            return tuple(self.tasks.values())

    def job_list(self) -> tuple[JobRecord, ...]:
        with self._lock:
            return tuple(self.jobs.values())

    def query_list(self) -> tuple[QueryRecord, ...]:
        with self._lock:
            return tuple(self.queries.values())

    def event_list(self) -> tuple[Event, ...]:
        with self._lock:
            return tuple(self.events)

    def query(self, query_id: int) -> QueryRecord | None:
        return self.queries.get(query_id)

    # ------------------------------------------------------------------ cursor

    @property
    def cursor(self) -> int:
        """Index of the step under the cursor (never a dropped one), or -1 before any step."""
        if self._cursor < 0 and self.last_index < 0:
            return -1
        return max(self._cursor, self.first_index)

    @property
    def current(self) -> Step | None:
        """The step under the cursor."""
        cursor = self.cursor
        if cursor < 0 or cursor > self.last_index:
            return None
        return self.step(cursor)

    def jump(self, index: int) -> Step | None:
        """Move the cursor to ``index``, clamped to the steps held; returns that step."""
        with self._lock:
            self._cursor = max(self.first_index, min(index, self.last_index))
        return self.current

    def back(self) -> Step | None:
        """Move the cursor one step back; at the first held step it stays there."""
        return self.jump(self.cursor - 1)

    def forward(self) -> Step | None:
        """Move the cursor one step forward over recorded steps (never past the last)."""
        return self.jump(self.cursor + 1)

    @property
    def at_frontier(self) -> bool:
        return self.cursor >= self.last_index
