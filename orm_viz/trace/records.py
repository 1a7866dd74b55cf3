"""Immutable records of a traced run: steps, events, tasks, queries.

A *step* is one stop at a gate point (a task about to start or resume, a query
about to execute or about to hand its result back) or a task's end. Everything
else that happens is an *event*, attached to the step that was current when it
happened. Records are frozen and hold rendered strings only, never live objects,
so a trace can be read from any thread, saved, and loaded back without Django.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

from orm_viz.trace.render import CapturedLocals, render_captured_locals, render_chain


class StepKind(enum.StrEnum):
    TASK_START = "task_start"
    TASK_RESUME = "task_resume"
    QUERY_EXECUTE = "query_execute"
    QUERY_RESULT = "query_result"
    TASK_END = "task_end"


class EventKind(enum.StrEnum):
    """What an event records. Jobs and queries have records of their own (with their
    times), so they are not repeated as events."""

    TASK_START = "task_start"  # a task started without stopping (a free task, others mode)
    TASK_RESUME = "task_resume"  # a task resumed without stopping (a free task, others mode)
    TASK_END = "task_end"  # a free task ended
    LOOP_BLOCKED = "loop_blocked"  # one loop iteration ran for >= the block threshold
    LOOP_IDLE = "loop_idle"  # the loop waited >= 1 ms with nothing to run (text: ms)
    WARNING = "warning"
    RECORDER_ERROR = "recorder_error"  # the tracer itself failed; reported, never raised


class Step(NamedTuple):
    """One stop at a gate, or a task's end.

    A tuple, so it is immutable and cheap to record (free mode records one per
    await). Locals and the await chain are captured at the stop but rendered
    when read: values that cannot change later (numbers, strings, None) are
    kept as they are; anything mutable was rendered at capture time.

    Attributes:
        index: absolute position in the run (stays valid after early steps are dropped).
        kind: which gate point this is.
        task: id of the task the step belongs to (for queries: the task that sent it).
        thread: name of the thread that stopped (the loop thread, or a DB thread).
        line: source line of the task's innermost frame in user code (0 if unknown).
        func: qualified name of that frame's function.
        captured_locals: (names, values) of that frame; see :attr:`locals`.
        captured_chain: the await chain as code objects / labels; see :attr:`chain`.
        query: id of the query in flight for this step's task, or -1.
        t: seconds since the run started when the gate was reached.
        paused: whether execution really stopped here (False in free / continue mode).
        detail: short extra text (a task's outcome, an exception, rows read).
    """

    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose: a step's position
    kind: StepKind
    task: int
    thread: str
    line: int
    func: str
    captured_locals: CapturedLocals
    captured_chain: tuple[Any, ...]
    query: int
    t: float
    paused: bool
    detail: str = ""

    @property
    def locals(self) -> tuple[tuple[str, str], ...]:
        """(name, rendered value) pairs, as they were at this step."""
        return render_captured_locals(self.captured_locals)

    @property
    def chain(self) -> str:
        """The await chain, outermost first, e.g. "get_users → QuerySet.acount → Future"."""
        return render_chain(self.captured_chain)


class Event(NamedTuple):
    """Something observed between steps.

    Attributes:
        step: index of the step that was current when it happened (-1: before the first).
        kind: what happened.
        t: seconds since the run started.
        task: task id concerned, or -1.
        thread: thread on which it was observed.
        ref: id of the job or query concerned, or -1.
        line: source line for task events, else 0.
        text: a short rendered description (SQL, the warning, the exception).
    """

    step: int
    kind: EventKind
    t: float
    task: int = -1
    thread: str = ""
    ref: int = -1
    line: int = 0
    text: str = ""


class TaskRecord(NamedTuple):
    """A task of the run. Replaced (never mutated) when its outcome is known.

    Attributes:
        id: 1-based, in creation order.
        name: the name given to the task, or its coroutine's qualified name.
        coro: qualified name of the task's coroutine function.
        parent: id of the task that created it, or 0 for the scenario's main task.
        created_t: seconds since the run started.
        created_line: the user-code line that created it (0 if none).
        outcome: "pending", "returned", "raised", or "cancelled".
        result: rendered return value or exception ("TypeError: ...").
        line: the line the outcome came from (the raising line, for an exception).
        ended_t: seconds since the run started, or -1 while pending.
    """

    id: int
    name: str
    coro: str
    parent: int
    created_t: float
    created_line: int = 0
    outcome: str = "pending"
    result: str = ""
    line: int = 0
    ended_t: float = -1.0


class QueryRecord(NamedTuple):
    """One SQL statement, linked to its task, its executor job and the ORM function.

    Attributes:
        id: 1-based, in start order.
        task: id of the task whose await sent it (0 if unknown).
        job: id of the executor job (one thread hop) that ran it.
        orm_function: qualified name of the sync function the job ran, e.g. "QuerySet.count".
        sql: the statement with parameters substituted for display.
        thread: the DB thread that ran it.
        source: "django" or "aiosqlite".
        start: seconds since the run started, when execution began.
        end: seconds since the run started, when the last row was read (-1 while running).
        rows: rows read (SELECT) or affected (other statements); -1 if unknown.
        latency: simulated latency added before execution, in seconds.
        error: rendered exception if the statement failed.
    """

    id: int
    task: int
    job: int
    orm_function: str
    sql: str
    thread: str
    source: str
    start: float
    end: float = -1.0
    rows: int = -1
    latency: float = 0.0
    error: str = ""


class JobRecord(NamedTuple):
    """One thread hop: a sync function the loop handed to a worker thread.

    Attributes:
        id: 1-based, in dispatch order.
        task: id of the task that dispatched it (0 if none).
        function: qualified name of the sync function, e.g. "QuerySet._fetch_all".
        executor: where it ran: the executor's class and id, or "aiosqlite".
        dispatched: seconds since the run started.
        thread: worker thread name (empty until it starts).
        started / finished: seconds since the run started (-1 until known).
        rows: rows read during the job (-1 if no query ran).
        queries: number of SQL statements the job ran.
    """

    id: int
    task: int
    function: str
    executor: str
    dispatched: float
    thread: str = ""
    started: float = -1.0
    finished: float = -1.0
    rows: int = -1
    queries: int = 0
