"""The Tracer: what one run has seen so far, and the calls that record it.

The loop hook (:mod:`orm_viz.trace.loop`) and the DB instruments call into the
tracer from the loop thread and from worker threads. Every recording call is
guarded: a failure inside the tracer becomes a ``recorder_error`` event and the
traced program carries on untouched.
"""

from __future__ import annotations

import enum
import gc
import itertools
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import (
    AsyncGeneratorType,
    CodeType,
    CoroutineType,
    FrameType,
    FunctionType,
    GeneratorType,
    MethodType,
    TracebackType,
)
from typing import Any

from orm_viz.trace.frames import (
    CapturedPosition,
    ChainNode,
    Position,
    UserCode,
    db_await_codes,
    is_user_file,
)
from orm_viz.trace.gates import Gate, GateHub
from orm_viz.trace.instruments import Instrument
from orm_viz.trace.records import (
    Event,
    EventKind,
    JobRecord,
    QueryRecord,
    StepKind,
    TaskRecord,
)
from orm_viz.trace.render import (
    KEPT_AS_IS,
    NO_LOCALS,
    SHARED_NAMES,
    capture_locals,
    keep_or_render,
    render_exception,
    render_value,
    shared_names,
)
from orm_viz.trace.store import Trace


class Phase(enum.StrEnum):
    SETUP = "setup"  # entering the run's context: not traced
    SCENARIO = "scenario"  # the user's code: traced
    TEARDOWN = "teardown"  # closing connections, shutting down: not traced


# Tracer.top_of: (chain node, innermost user frame, its code, frame of the locals).
TopLevel = tuple[ChainNode, FrameType | None, CodeType | None, FrameType | None]

_job_local = threading.local()


def _asend_type() -> type:
    """The type of what ``async for`` awaits (``anext`` of an async generator)."""

    async def generator() -> Any:
        yield

    made = generator()
    awaitable = made.asend(None)
    try:
        return type(awaitable)
    finally:
        awaitable.close()  # type: ignore[attr-defined]  # never awaited, and says so if not closed
        del awaitable, made


_ASEND = _asend_type()
_new_tuple = tuple.__new__  # builds a record (a NamedTuple) without its Python-level __new__


@dataclass(slots=True)
class Job:
    """A thread hop in progress (mutable; its record in the trace is replaced as it changes)."""

    id: int
    task: int
    function: str
    rows: int = -1
    queries: int = 0
    last_query: int = -1
    open_query: int = -1
    query_rows: int = -1  # rows read (SELECT) or affected (others) by the open query
    tracked: bool = False  # counted by the hub's settle bookkeeping (a holding mode)
    thread: str = ""
    started: float = -1.0
    position: Position | None = None  # the task's position, read once per job (it is suspended)


def current_job() -> tuple[Tracer, Job] | None:
    """The (tracer, job) the calling worker thread is running, if any."""
    found: tuple[Tracer, Job] | None = getattr(_job_local, "current", None)
    return found


@dataclass(eq=False)
class Tracer:
    """Run-wide recording state, shared by the loop thread and worker threads."""

    trace: Trace
    hub: GateHub
    user_files: frozenset[str] = frozenset()
    latency: float = 0.0
    instruments: list[Instrument] = field(default_factory=list)
    phase: Phase = Phase.SCENARIO
    entry_line: int = 0
    t0: float = field(default_factory=time.perf_counter)
    stop_event: threading.Event = field(default_factory=threading.Event)
    workers: dict[int, tuple[threading.Thread, bool]] = field(default_factory=dict)
    executors: list[Any] = field(default_factory=list)
    _task_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _job_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _query_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _task_coros: dict[int, Any] = field(default_factory=dict)
    # task -> (its latest job, that job's future on the loop): read at the task's next resume
    _task_query: dict[int, tuple[Job, Any]] = field(default_factory=dict)
    _busy: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    is_user: UserCode = field(init=False)

    loop_thread: str = ""
    _recorder: Callable[[int, Any, bool, TopLevel | None], None] | None = None

    def __post_init__(self) -> None:
        self._job_instruments = self._per_job()
        self.is_user = UserCode(self.user_files)
        capture_only = self.step_hook()
        # position_of's reader (not on UserCode, which the hook holds: that is a cycle).
        self._capture: Callable[[Any], CapturedPosition] = lambda coro: capture_only(-1, coro)
        self.hub.t0 = self.t0

    def is_user_file(self, filename: str) -> bool:
        return is_user_file(filename, self.user_files)

    def record_free_step(self) -> Callable[[int, Any, bool, TopLevel | None], None]:
        """The hot-path recorder (built once the loop thread is known)."""
        if self._recorder is None:
            self._recorder = self.step_hook()
        return self._recorder

    def reset_recorder(self) -> None:
        self._recorder = None

    def clock(self) -> float:
        return time.perf_counter() - self.t0

    # ---------------------------------------------------------------- safety

    def report_error(self, where: str, error: BaseException) -> None:
        self.trace.add_event(
            Event(
                step=self.trace.last_index,
                kind=EventKind.RECORDER_ERROR,
                t=self.clock(),
                thread=threading.current_thread().name,
                text=f"{where}: {render_exception(error)}",
            )
        )

    @contextmanager
    def guarded(self, where: str) -> Iterator[None]:
        try:
            yield
        except Exception as error:  # reported as an event; the traced code must not see it
            self.report_error(where, error)

    def _per_job(self) -> tuple[Instrument, ...]:
        """Instruments that do something per job (the base hook does nothing)."""
        return tuple(
            i
            for i in self.instruments
            if type(i).worker_job_started is not Instrument.worker_job_started
        )

    def call_instruments(
        self, hook: str, *args: Any, only: tuple[Instrument, ...] | None = None
    ) -> None:
        for instrument in only if only is not None else tuple(self.instruments):
            try:
                getattr(instrument, hook)(self, *args)
            except Exception as error:  # a broken hook is removed and reported
                self._remove_instrument(instrument, hook, error)

    def _remove_instrument(self, instrument: Instrument, hook: str, error: Exception) -> None:
        with self._lock:
            if instrument in self.instruments:
                self.instruments.remove(instrument)
            self._job_instruments = self._per_job()
        self.report_error(f"{instrument.name}.{hook} (instrument removed)", error)

    def event(self, kind: EventKind, **fields: Any) -> None:
        self.trace.add_event(
            Event(
                step=self.trace.last_index,
                kind=kind,
                t=self.clock(),
                thread=threading.current_thread().name,
                **fields,
            )
        )

    # ---------------------------------------------------------------- tasks

    def task_created(self, coro: Any, name: str | None, parent: int) -> int:
        task_id = next(self._task_ids)
        qualname = str(getattr(coro, "__qualname__", type(coro).__qualname__))
        self._task_coros[task_id] = coro
        line = self._creating_line()
        self.trace.put_task(
            TaskRecord(
                id=task_id,
                name=name or qualname,
                coro=qualname,
                parent=parent,
                created_t=self.clock(),
                created_line=line,
            )
        )
        return task_id

    def _creating_line(self) -> int:
        frame = sys._getframe(2)
        while frame is not None:
            if is_user_file(frame.f_code.co_filename, self.user_files):
                return frame.f_lineno
            frame = frame.f_back  # type: ignore[assignment]
        return 0

    def position_of(self, task_id: int) -> Position:
        """Where the task is suspended now (read from any thread while it is suspended)."""
        coro = self._task_coros.get(task_id)
        if coro is None:
            return Position(self._fallback_line(task_id, None), "", NO_LOCALS, ())
        line, func, captured, chain = self._capture(coro)
        if not line:
            line = self._fallback_line(task_id, coro)
        return _new_tuple(Position, (line, func, captured, chain))  # type: ignore[no-any-return]

    def _fallback_line(self, task_id: int, coro: Any) -> int:
        """The line shown for a task whose chain has no user frame."""
        if task_id == 1:
            return self.entry_line
        # A task running library code (gather(User.objects.acount(), ...)) is shown at
        # the user line that created it.
        code = getattr(coro, "cr_code", None)
        if code is not None and is_user_file(code.co_filename, self.user_files):
            return int(code.co_firstlineno)
        task = self.trace.tasks.get(task_id)
        return task.created_line if task is not None else 0

    def top_of(self, coro: Any) -> TopLevel | None:
        """What the step hook learns at the top of ``coro``'s await chain, the same at every
        await of its task: its chain node, and its frame as the innermost user frame and as
        the frame of the locals, where it is one (None if ``coro`` is not a coroutine).

        The task's proxy learns it once and passes it to the hook (``top``).
        """
        if type(coro) is not CoroutineType or (frame := coro.cr_frame) is None:
            return None
        code = coro.cr_code
        root = self.is_user.chains
        node = root.children.get(id(code)) or self.is_user.deeper(root, code)
        if not node.user:
            return node, None, None, None
        return node, frame, code, frame if node.function else None

    def step_hook(self) -> Callable[..., Any]:
        """``hook(task_id, coro, started, top)``: the per-await hot path of free mode.

        Walks ``coro``'s await chain (from below its top level if ``top``, see
        :meth:`top_of`, is given) down the trie of chains seen (``UserCode.chains``),
        captures the innermost user frame's position and locals, and appends the step as
        a plain tuple, with no lock (a deque's append is atomic, so positions, which are
        the indices, stay right). With ``task_id`` < 0 it only returns
        ``(line, func, locals, chain)``: the same walk serves the gated path
        (:meth:`position_of`). One function, lookups bound as locals, few inner calls:
        the bytecode here is the budget of DESIGN §6.
        """
        trace = self.trace
        trace.loop_thread = self.loop_thread
        task_query = self._task_query
        # The tracer holds the hook: a strong reference back would be a cycle, keeping a
        # finished run and its trace alive until a full collection. (Whoever calls the
        # hook, the loop or a task's proxy, holds the tracer.)
        tracer = weakref.proxy(self)
        resume, start = StepKind.TASK_RESUME.value, StepKind.TASK_START.value  # plain str
        is_user = self.is_user

        def hook(
            task_id: int,
            obj: Any,
            started: bool = False,
            top: TopLevel | None = None,
            root: ChainNode = is_user.chains,
            deeper: Callable[[ChainNode, CodeType], ChainNode] = is_user.deeper,
            ended: Callable[[ChainNode, type], tuple[Any, ...]] = is_user.ended,
            coroutine: type = CoroutineType,
            generator: type = GeneratorType,
            asend: type = _ASEND,
            known_names: dict[tuple[str, ...], tuple[str, ...]] = SHARED_NAMES,
            share: Callable[[tuple[str, ...]], tuple[str, ...]] = shared_names,
            kept: set[type] = KEPT_AS_IS,
            keep_or_render: Callable[[tuple[Any, ...]], tuple[Any, ...]] = keep_or_render,
            steps: Any = trace._steps,
            max_steps: int = trace.max_steps,
            clock: Callable[[], float] = time.perf_counter,
            t0: float = self.t0,
        ) -> Any:
            try:
                if top is None:
                    node = root
                    user_frame = user_code = locals_frame = None
                else:  # obj is the task's coroutine, and top what its level always gives
                    node, user_frame, user_code, locals_frame = top
                    obj = obj.cr_await
                while True:  # an await chain is finite and acyclic
                    kind = type(obj)
                    if kind is coroutine:
                        code = obj.cr_code
                        try:
                            node = node.children[id(code)]
                        except KeyError:
                            node = deeper(node, code)
                        if node.user and (frame := obj.cr_frame) is not None:
                            user_frame, user_code = frame, code
                            if node.function:
                                locals_frame = frame
                        obj = obj.cr_await
                    elif kind is generator:
                        code = obj.gi_code
                        try:
                            node = node.children[id(code)]
                        except KeyError:
                            node = deeper(node, code)
                        if node.user and (frame := obj.gi_frame) is not None:
                            user_frame, user_code = frame, code
                            if node.function:
                                locals_frame = frame
                        obj = obj.gi_yieldfrom
                    else:
                        break
                if obj is None:
                    chain = node.chain
                else:
                    try:
                        chain = node.labels[kind]
                    except KeyError:
                        chain = ended(node, kind)
                if locals_frame is None:
                    names: tuple[str, ...] = ()
                    values: tuple[Any, ...] = ()
                else:  # capture_locals, inlined
                    frame_locals = locals_frame.f_locals
                    names = tuple(frame_locals.keys())
                    names = known_names.get(names) or share(names)
                    values = tuple(frame_locals.values())
                    for value in values:
                        if type(value) not in kept:
                            values = keep_or_render(values)
                            break
                if task_id < 0:
                    if user_frame is None or user_code is None:
                        return 0, "", (names, values), chain
                    return user_frame.f_lineno, user_code.co_qualname, (names, values), chain
                # A short row (read by Trace._as_step): thread, paused and detail are the
                # same for every such step (the loop thread, False, ""), the line and func
                # are derived from the code and f_lasti (f_lineno walks the line table),
                # and the values come last, flat (one tuple the GC tracks, not two).
                if user_frame is None or user_code is None:
                    where: CodeType | str = ""
                    line = tracer.position_of(task_id).line
                else:
                    where, line = user_code, user_frame.f_lasti
                if task_query and (node.db or kind is asend):
                    query = tracer.delivered_query(task_id, chain, node.db)
                else:  # only a resume from a DB await receives a job's rows
                    query = -1
                row = (
                    resume if started else start,
                    task_id,
                    line,
                    where,
                    names,
                    chain,
                    query,
                    clock() - t0,
                )
                steps.append(row + values)  # faster than (*row, *values), which builds a list
                if len(steps) > max_steps:
                    trace.trim()
            except Exception as error:
                if task_id < 0:
                    raise
                tracer.report_error("free step", error)  # reported; the task runs on
            return None

        return hook

    def task_gate(self, task_id: int, started: bool) -> Gate:
        kind = StepKind.TASK_RESUME if started else StepKind.TASK_START
        thread = threading.current_thread().name
        position = self.position_of(task_id)
        return Gate(
            kind=kind,
            task=task_id,
            thread=thread,
            position=position,
            t=self.clock(),
            query=self.delivered_query(task_id, position.chain) if self._task_query else -1,
        )

    def task_finished(
        self,
        task_id: int,
        outcome: str,
        *,
        frame: FrameType | None,
        value: Any = None,
        error: BaseException | None = None,
    ) -> None:
        """Record a task's end; ``frame`` is its coroutine's (finished) top frame."""
        line, func = 0, ""
        local_values = NO_LOCALS
        if frame is not None:
            func = frame.f_code.co_qualname
            line = frame.f_lineno
            if self.is_user(frame.f_code):
                local_values = capture_locals(frame.f_locals)
        if error is not None:
            result = render_exception(error)
            line = _raising_line(error.__traceback__, self.user_files) or line
        else:
            result = render_value(value)
        self.trace.update_task(
            task_id, outcome=outcome, result=result, line=line, ended_t=self.clock()
        )
        detail = f"{outcome}: {result}" if outcome != "cancelled" else "cancelled"
        self.hub.pass_through(
            Gate(
                kind=StepKind.TASK_END,
                task=task_id,
                thread=threading.current_thread().name,
                position=Position(line, func, local_values, ()),
                t=self.clock(),
                detail=detail,
            )
        )
        self._task_coros.pop(task_id, None)
        self._task_query.pop(task_id, None)

    # ---------------------------------------------------------------- jobs

    def job_dispatched(self, task_id: int, function: str, executor: str) -> Job:
        self._task_query.pop(task_id, None)  # a new await: older results are not its data
        job = Job(next(self._job_ids), task_id, function)
        # A new key, set in one step: no lock (readers copy the dict whole, in one step too).
        self.trace.jobs[job.id] = _new_tuple(
            JobRecord,
            (
                job.id,
                task_id,
                function,
                executor,
                time.perf_counter() - self.t0,
                "",
                -1.0,
                -1.0,
                -1,
                0,
            ),
        )
        return job

    def watch_delivery(self, job: Job, future: Any) -> None:
        """Remember ``future`` (the job's result on the loop): the task's next resume from
        a DB await receives the job's rows, unless it was cancelled. On the loop thread."""
        self._task_query[job.task] = (job, future)

    def delivered_query(
        self, task_id: int, chain: tuple[Any, ...], in_db_await: bool | None = None
    ) -> int:
        """The query whose data this resume receives, or -1.

        Only a resume from inside a DB await (asgiref's ``SyncToAsync.__call__``, an
        aiosqlite call) receives a job's rows; a task resuming from ``asyncio.sleep``
        while a fire-and-forget job finished does not. ``in_db_await``: whether ``chain``
        has a DB await in it, if the caller knows (its ``ChainNode.db``).
        """
        codes = db_await_codes()
        if in_db_await is None:
            in_db_await = any(id(code) in codes for code in chain)
        if not in_db_await and chain and chain[-1] == "async_generator_asend":
            in_db_await = _async_generator_awaits(self._task_coros.get(task_id), codes)
        if not in_db_await:
            return -1
        found = self._task_query.pop(task_id, None)
        if found is None:
            return -1
        job, future = found
        if not future.done() or future.cancelled() or job.last_query <= 0:
            return -1
        return job.last_query

    def busy_workers(self) -> tuple[int, ...]:
        """Idents of worker threads running a job of this run right now."""
        with self._lock:
            return tuple(self._busy)

    def run_job(
        self,
        job: Job,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        persistent_thread: bool = False,
    ) -> Any:
        """Run a job's function in the calling worker thread, linking its queries to the job.

        Args:
            job: the job, as returned by :meth:`job_dispatched`.
            func: the sync function, and ``args`` its arguments.
            persistent_thread: the thread outlives the run (a process-wide
                executor), so teardown must not wait for it to end.
        """
        thread = threading.current_thread()
        ident = thread.ident or 0
        worker = self.workers.get(ident)
        if worker is None or worker[0] is not thread:  # new, or an ended thread's ident reused
            with self._lock:
                self.workers[ident] = (thread, persistent_thread)
        self._busy.add(ident)  # a set's add/discard are atomic: no lock on this path
        if job.tracked:
            self.hub.job_running(job.id)
        previous = getattr(_job_local, "current", None)
        _job_local.current = (self, job)
        job.thread, job.started = thread.name, time.perf_counter() - self.t0
        for instrument in self._job_instruments:
            try:
                instrument.worker_job_started(self)
            except Exception as error:  # a broken hook is removed and reported
                self._remove_instrument(instrument, "worker_job_started", error)
        try:
            return func(*args)
        finally:
            _job_local.current = previous
            self._busy.discard(ident)
            try:
                self._finish_job(job)
            except Exception as error:  # reported; the result still goes back
                self.report_error("job end", error)
            if job.tracked:
                self.hub.job_returning(job.id)

    def _finish_job(self, job: Job) -> None:
        if job.open_query > 0:
            self._close_open_query(job)
        if job.queries or job.rows >= 0:
            self.db_gate(StepKind.QUERY_RESULT, job, job.last_query, self._result_text(job))
        self.trace.finish_job(job.id, job.thread, job.started, self.clock(), job.rows, job.queries)

    def _result_text(self, job: Job) -> str:
        if job.rows >= 0:
            text = _ROWS_READ.get(job.rows)
            if text is None:
                text = _rows_text(job.rows) + " read"
                if job.rows < 1000:
                    _ROWS_READ[job.rows] = text
            return text
        query = self.trace.queries.get(job.last_query)
        if query is not None and query.rows >= 0:
            return _rows_text(query.rows) + " affected"
        return "done"

    # ---------------------------------------------------------------- queries

    def query_started(self, job: Job, sql: str, source: str) -> int:
        """A statement is about to run in the calling worker thread; returns its id."""
        if job.open_query > 0:
            self._close_open_query(job)
        query_id = next(self._query_ids)
        job.queries += 1
        job.last_query = job.open_query = query_id
        job.query_rows = -1
        # A new key, set in one step: no lock (readers copy the dict whole, in one step too).
        self.trace.queries[query_id] = _new_tuple(
            QueryRecord,
            (
                query_id,
                job.task,
                job.id,
                job.function,
                sql,
                job.thread or threading.current_thread().name,
                source,
                time.perf_counter() - self.t0,
                -1.0,  # end
                -1,  # rows
                self.latency,
                "",  # error
            ),
        )
        return query_id

    @staticmethod
    def query_executed(job: Job, rowcount: int) -> None:
        """The statement ran; ``rowcount`` is rows affected (-1 for a SELECT: rows come later)."""
        if rowcount >= 0:
            job.query_rows = rowcount

    @staticmethod
    def rows_read(job: Job, count: int) -> None:
        """The ORM read ``count`` more rows of the open query (written when it closes)."""
        job.rows = max(job.rows, 0) + count
        job.query_rows = max(job.query_rows, 0) + count

    def rows_read_late(self, job: Job, query_id: int, count: int) -> None:
        """Rows of a query whose statement ran in an earlier job (aiosqlite fetches later)."""
        job.rows = max(job.rows, 0) + count
        job.last_query = query_id
        query = self.trace.queries.get(query_id)
        if query is not None:
            self.trace.update_query(query_id, rows=max(query.rows, 0) + count, end=self.clock())

    def query_failed(self, job: Job, query_id: int, error: BaseException) -> None:
        job.open_query = -1
        self.trace.update_query(query_id, end=self.clock(), error=render_exception(error))

    def _close_open_query(self, job: Job) -> None:
        query_id, job.open_query = job.open_query, -1
        if query_id > 0:
            self.trace.close_query(query_id, self.clock(), max(job.query_rows, 0))

    def db_gate(self, kind: StepKind, job: Job, query_id: int, detail: str = "") -> None:
        """Stop the calling worker thread here if the policy holds this gate."""
        thread = job.thread or threading.current_thread().name
        position = job.position
        if position is None:  # the task is suspended for the whole job: read it once
            position = job.position = self.position_of(job.task)
        if self.hub.never_holds:  # nothing can stop: record the step, skip the gate machinery
            # As the loop's hook does: a deque's append is atomic, trimming takes the lock.
            steps = self.trace._steps
            line, func, local_values, chain = position
            steps.append(
                (
                    kind._value_,  # a plain str, as every row holds
                    job.task,
                    thread,
                    line,
                    func,
                    local_values,
                    chain,
                    query_id,
                    time.perf_counter() - self.t0,
                    False,
                    detail,
                )
            )
            if len(steps) > self.trace.max_steps:
                self.trace.trim()
            return
        released = threading.Event()
        gate = Gate(
            kind=kind,
            task=job.task,
            thread=thread,
            position=position,
            t=self.clock(),
            query=query_id,
            detail=detail,
            job=job.id,
            release=released.set,
        )
        if self.hub.arrive(gate):
            released.wait()

    def simulate_latency(self) -> None:
        """Sleep in the DB thread (never the loop); a stop cuts it short."""
        if self.latency > 0:
            self.stop_event.wait(self.latency)

    def stop(self) -> None:
        self.stop_event.set()
        self.hub.stop()


def _async_generator_awaits(coro: Any, codes: dict[int, CodeType]) -> bool:
    """Is the async generator this coroutine is iterating (``async for``) inside a DB await?

    ``async_generator_asend`` hides its generator, so look for it among what the
    innermost frame of the chain holds: ``async for`` keeps its iterator in a local
    (Python 3.11) or on the frame's value stack (inlined comprehensions, 3.12+), and
    ``gc.get_referents`` of the coroutine lists both. Only called when a DB result is waiting
    to be credited, so the cost is off the hot path.
    """
    innermost = None
    for _ in range(20):
        if type(coro) is not CoroutineType or coro.cr_frame is None:
            break
        innermost, coro = coro, coro.cr_await
    if innermost is None:
        return False
    # The coroutine, not its frame object, owns the frame's locals and value stack.
    for value in gc.get_referents(innermost):
        if type(value) is AsyncGeneratorType:
            awaited = value.ag_await
            for _ in range(20):
                if type(awaited) is not CoroutineType:
                    break
                if id(awaited.cr_code) in codes:
                    return True
                awaited = awaited.cr_await
    return False


_ROWS_READ: dict[int, str] = {}  # "1 row read", "8 rows read", ...: the same few again and again


def _rows_text(rows: int) -> str:
    if rows < 0:
        return "no rows read"
    return f"{rows} row" + ("" if rows == 1 else "s")


def _raising_line(tb: TracebackType | None, user_files: frozenset[str]) -> int:
    line = 0
    while tb is not None:
        if is_user_file(tb.tb_frame.f_code.co_filename, user_files):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def describe_callable(func: Callable[..., Any]) -> str:
    """Qualified name of the sync function inside a ``sync_to_async``/``partial`` wrapper.

    Reads attributes of user objects, whose ``__getattr__`` may raise anything: callers
    guard it (see ``TracingLoop.run_in_executor``)."""
    seen = 0
    while seen < 8:
        seen += 1
        if type(func) is MethodType or type(func) is FunctionType:
            break  # the common end, without a failing lookup of .func (an exception inside)
        owner = getattr(getattr(func, "func", None), "__self__", None)
        inner = getattr(owner, "func", None) if owner is not None else None
        if inner is not None and type(owner).__name__ == "SyncToAsync":
            func = inner
            continue
        if type(func).__name__ == "partial":
            func = func.func  # type: ignore[attr-defined]
            continue
        break
    method_of = getattr(func, "__func__", None)
    target = method_of if method_of is not None else func
    return str(getattr(target, "__qualname__", type(func).__qualname__))
