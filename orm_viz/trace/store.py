"""The Trace: an append-only, bounded record of one run, with a cursor.

Writers (the run thread, DB threads) append under a lock; readers get immutable
records. When more than ``max_steps`` steps are recorded, the earliest are
dropped and counted in :attr:`Trace.dropped_steps`, never lost silently. Step
indices are absolute, so a dropped step is reported as such rather than
silently shifting every later index.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from orm_viz.trace.records import Event, JobRecord, QueryRecord, Step, TaskRecord

DEFAULT_MAX_STEPS = 250_000
DEFAULT_MAX_EVENTS = 1_000_000


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
    steps: deque[Step] = field(init=False)
    events: deque[Event] = field(init=False)
    tasks: dict[int, TaskRecord] = field(default_factory=dict)
    jobs: dict[int, JobRecord] = field(default_factory=dict)
    queries: dict[int, QueryRecord] = field(default_factory=dict)
    dropped_steps: int = 0
    dropped_events: int = 0
    finished: bool = False
    outcome: str = "running"
    settings: dict[str, Any] = field(default_factory=dict)
    cursor: int = -1
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _listeners: list[Callable[[Trace], None]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.steps = deque(maxlen=self.max_steps)
        self.events = deque(maxlen=self.max_events)

    # ------------------------------------------------------------------ writing

    def add_step(self, make: Callable[[int], Step]) -> Step:
        """Append the step built by ``make(index)``; returns it."""
        with self._lock:
            index = self.dropped_steps + len(self.steps)
            step = make(index)
            if len(self.steps) == self.max_steps:
                self.dropped_steps += 1
            self.steps.append(step)
            self.cursor = max(self.cursor, self.dropped_steps)
        self._notify()
        return step

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
            task = replace(self.tasks[task_id], **changes)
            self.tasks[task_id] = task
            return task

    def update_job(self, job_id: int, **changes: Any) -> JobRecord:
        with self._lock:
            job = replace(self.jobs[job_id], **changes)
            self.jobs[job_id] = job
            return job

    def update_query(self, query_id: int, **changes: Any) -> QueryRecord:
        with self._lock:
            query = replace(self.queries[query_id], **changes)
            self.queries[query_id] = query
            return query

    def finish(self, outcome: str) -> None:
        with self._lock:
            self.finished = True
            self.outcome = outcome
        self._notify()

    def subscribe(self, listener: Callable[[Trace], None]) -> None:
        """Call ``listener(trace)`` (on the writing thread) after each new step and at the end."""
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in tuple(self._listeners):
            listener(self)

    # ------------------------------------------------------------------ reading

    @property
    def first_index(self) -> int:
        """Absolute index of the earliest step still held."""
        return self.dropped_steps

    @property
    def last_index(self) -> int:
        """Absolute index of the latest step, or -1 if there is none."""
        return self.dropped_steps + len(self.steps) - 1

    def __len__(self) -> int:
        """Number of steps recorded, including dropped ones."""
        return self.dropped_steps + len(self.steps)

    def step(self, index: int) -> Step:
        """The step with absolute ``index``.

        Raises:
            IndexError: if it was dropped or not recorded yet.
        """
        position = index - self.dropped_steps
        if position < 0:
            raise IndexError(f"step {index} was dropped (the first {self.dropped_steps} were)")
        return self.steps[position]

    def iter_steps(self) -> Iterator[Step]:
        with self._lock:
            snapshot = tuple(self.steps)
        return iter(snapshot)

    def events_of_step(self, index: int) -> list[Event]:
        with self._lock:
            snapshot = tuple(self.events)
        return [event for event in snapshot if event.step == index]

    def query(self, query_id: int) -> QueryRecord | None:
        return self.queries.get(query_id)

    # ------------------------------------------------------------------ cursor

    @property
    def current(self) -> Step | None:
        """The step under the cursor."""
        if self.cursor < self.first_index or self.cursor > self.last_index:
            return None
        return self.step(self.cursor)

    def jump(self, index: int) -> Step | None:
        """Move the cursor to ``index``, clamped to the steps held; returns that step."""
        with self._lock:
            self.cursor = max(self.first_index, min(index, self.last_index))
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
