"""The event-loop hook: a loop subclass, a task factory and a coroutine proxy.

* Every task created while the scenario runs gets its coroutine wrapped in a
  :class:`CoroutineProxy`. To pause a task without blocking the loop, the proxy's
  ``send`` returns a *gate future* instead of forwarding; the Task waits on it as
  on any await, and a release resolves it with ``call_soon_threadsafe``.
* ``run_in_executor`` is overridden to link task → job → sync function → SQL.
* The selector is wrapped to know when the loop is idle (so step mode can wait
  for the run to settle) and to flag loop iterations that block for ≥ 100 ms.

Traps (found the hard way): the proxy must not define ``__next__`` (the C Task
would call it instead of ``send``); ``__qualname__`` and friends are delegated;
the factory's keyword arguments (``context=``, ``name=``, ``eager_start=``) go to
the Task unchanged, or asgiref's ``sync_to_async`` runs in the wrong context.
"""

from __future__ import annotations

import asyncio
import collections.abc
import concurrent.futures
import functools
import os
import selectors
import sys
import threading
import time
from collections.abc import Callable, Generator
from typing import Any

from orm_viz.trace.gates import GateHub, Mode
from orm_viz.trace.records import EventKind
from orm_viz.trace.store import ScenarioInfo, Trace
from orm_viz.trace.tracer import Job, Phase, TopLevel, Tracer, describe_callable

LOOP_BLOCK_THRESHOLD = 0.1
LOOP_IDLE_THRESHOLD = 0.001  # shorter waits are not worth an event (and cost the hot path)
# What asyncio gives its default executor (ThreadPoolExecutor's own default).
_DEFAULT_WORKERS = min(32, (os.cpu_count() or 1) + 4)


class CoroutineProxy(collections.abc.Coroutine):  # type: ignore[type-arg]
    """Wraps a task's coroutine so the tracer sees (and may hold) every start and resume."""

    __slots__ = (
        "__weakref__",
        "_coro",
        "_frame",
        "_gate",
        "_hub",
        "_record_free",
        "_started",
        "_stash",
        "_task_id",
        "_top",
        "_tracer",
    )

    def __init__(self, coro: Any, tracer: Tracer, task_id: int) -> None:
        self._coro = coro
        self._hub = tracer.hub
        self._record_free = tracer.record_free_step()
        # Kept so the task's end can be shown at its return line with its final locals:
        # a finished coroutine drops cr_frame, but the frame object keeps both.
        self._frame = getattr(coro, "cr_frame", None)
        self._top: TopLevel | None = None  # see FreeCoroutineProxy
        self._tracer = tracer
        self._task_id = task_id
        self._started = False
        self._gate: asyncio.Future[None] | None = None
        self._stash: Any = None

    def send(self, value: Any) -> Any:
        if self._gate is not None:
            self._gate, value, self._stash = None, self._stash, None
        elif self._hub.never_holds:
            self._record_free(self._task_id, self._coro, self._started, self._top)
            self._started = True
        else:
            gate = self._maybe_hold()
            self._started = True
            if gate is not None:
                self._gate, self._stash = gate, value
                return gate
        try:
            return self._coro.send(value)
        except BaseException as error:
            self._ended(error)
            raise

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        # Cancellation (or anything thrown) while paused lands here: the gate is moot.
        self._gate, self._stash = None, None
        self._started = True
        if val is None and tb is None:
            return self._forward(self._coro.throw, typ)
        return self._forward(self._coro.throw, typ, val, tb)  # pragma: no cover - legacy form

    def close(self) -> None:
        self._coro.close()

    def __await__(self) -> Generator[Any, None, Any]:
        return (yield from self._coro.__await__())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._coro, name)

    def _maybe_hold(self) -> asyncio.Future[None] | None:
        tracer = self._tracer
        try:
            gate = tracer.task_gate(self._task_id, self._started)
            loop = asyncio.get_running_loop()
            future: asyncio.Future[None] = loop.create_future()
            hub = tracer.hub

            def open_gate() -> None:
                if not future.done():
                    future.set_result(None)
                hub.kick_arrived()

            def release() -> None:
                hub.kick_sent()
                loop.call_soon_threadsafe(open_gate)

            gate.release = release
            if not hub.arrive(gate):
                return None
            future.add_done_callback(lambda f: hub.abandon(gate) if f.cancelled() else None)
            future._asyncio_future_blocking = True
            return future
        except Exception as error:  # never let the tracer break the task
            tracer.report_error("task gate", error)
            return None

    def _forward(self, method: Callable[..., Any], *args: Any) -> Any:
        try:
            return method(*args)
        except BaseException as error:
            self._ended(error)
            raise

    def _ended(self, error: BaseException) -> None:
        """The coroutine finished: returned (StopIteration), was cancelled, or raised."""
        value: Any = None
        error_: BaseException | None = error
        if type(error) is StopIteration:
            outcome, value, error_ = "returned", error.value, None
        elif isinstance(error, asyncio.CancelledError):
            outcome = "cancelled"
        else:
            outcome = "raised"
        # The finished frame may link back to its callers' frames (it does on 3.13), one of
        # which holds the task, which holds this proxy: let go of it, or that is a reference
        # cycle keeping the whole run (loop, tracer, trace) alive until a full collection.
        frame, self._frame, self._top = self._frame, None, None
        with self._tracer.guarded("task end"):
            self._tracer.task_finished(
                self._task_id, outcome, frame=frame, value=value, error=error_
            )


class FreeCoroutineProxy(CoroutineProxy):
    """The proxy for runs that can never hold (free mode): no gate checks per await, and
    the top of the task's await chain is learned once, not at every await."""

    __slots__ = ()

    def __init__(self, coro: Any, tracer: Tracer, task_id: int) -> None:
        super().__init__(coro, tracer, task_id)
        self._top = tracer.top_of(coro)

    def send(self, value: Any) -> Any:
        self._record_free(self._task_id, self._coro, self._started, self._top)
        self._started = True
        try:
            return self._coro.send(value)
        except BaseException as error:
            self._ended(error)
            raise


_Selector = selectors.DefaultSelector


class _WatchedSelector(_Selector):  # type: ignore[misc,valid-type]
    """Tells the hub when the loop goes idle, and times each loop iteration.

    ``select`` runs once per loop iteration, so it calls the real selector's
    method directly (no ``super()`` lookup) and reads the clock twice at most.
    """

    def __init__(self) -> None:
        super().__init__()
        self.tracer: Tracer | None = None
        self._busy_since = time.perf_counter()

    def select(self, timeout: float | None = None) -> list[Any]:
        tracer = self.tracer
        if tracer is None:
            return _select(self, timeout)  # type: ignore[no-any-return]
        entered = _clock()
        if entered - self._busy_since >= LOOP_BLOCK_THRESHOLD:
            self._blocked(tracer, entered - self._busy_since)
        if timeout == 0:  # a poll: the loop has ready callbacks and stays busy
            ready = _select(self, 0)
            self._busy_since = entered
            return ready  # type: ignore[no-any-return]
        hub = tracer.hub
        if hub.tracks_settling:
            hub.loop_idle(True)
            try:
                ready = _select(self, timeout)
            finally:
                hub.loop_idle(False)
        else:
            ready = _select(self, timeout)
        self._busy_since = left = _clock()
        if left - entered >= LOOP_IDLE_THRESHOLD and tracer.phase is Phase.SCENARIO:
            tracer.event(EventKind.LOOP_IDLE, text=f"{(left - entered) * 1000:.1f} ms")
        return ready  # type: ignore[no-any-return]

    @staticmethod
    def _blocked(tracer: Tracer, busy: float) -> None:
        if tracer.phase is Phase.SCENARIO:
            with tracer.guarded("loop block"):
                tracer.event(EventKind.LOOP_BLOCKED, text=f"{busy * 1000:.0f} ms")


_select = _Selector.select
_clock = time.perf_counter


class TracingLoop(asyncio.SelectorEventLoop):
    """An event loop that records every task start, resume, end and thread hop.

    Used bare (``asyncio.Runner(loop_factory=TracingLoop)``) it runs free: nothing
    is held and the trace is at ``loop.trace``. A :class:`~orm_viz.trace.run.TracedRun`
    builds it with a tracer whose hub holds gates.
    """

    def __init__(self, tracer: Tracer | None = None) -> None:
        selector = _WatchedSelector()
        super().__init__(selector)
        if tracer is None:
            info = ScenarioInfo(name="<loop>", path="", function="", source="")
            trace = Trace(scenario=info)
            tracer = Tracer(trace=trace, hub=GateHub(trace=trace, mode=Mode.FREE))
        self.tracer = tracer
        # A run that starts free can never hold later (GateHub.set_mode refuses), so its
        # tasks get the proxy without gate checks.
        self._proxy_class = FreeCoroutineProxy if tracer.hub.mode is Mode.FREE else CoroutineProxy
        # id(executor) -> (label, workers, outlives the run); executors are kept in the tracer.
        self._lanes: dict[int, tuple[str, int, bool]] = {}
        tracer.loop_thread = threading.current_thread().name
        tracer.reset_recorder()
        selector.tracer = tracer
        self.set_task_factory(_task_factory)  # type: ignore[arg-type]
        tracer.call_instruments("run_started")

    @property
    def trace(self) -> Trace:
        return self.tracer.trace

    def _make_task(self, loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
        tracer = self.tracer
        if (
            tracer.phase is not Phase.SCENARIO
            or isinstance(coro, CoroutineProxy)
            or _is_loop_housekeeping(coro)
        ):
            return asyncio.Task(coro, loop=loop, **kwargs)
        parent = asyncio.current_task(loop)
        parent_id = getattr(getattr(parent, "get_coro", lambda: None)(), "_task_id", 0)
        try:
            task_id = tracer.task_created(coro, kwargs.get("name"), parent_id)
        except Exception as error:  # the task still runs, untraced
            tracer.report_error("task factory", error)
            return asyncio.Task(coro, loop=loop, **kwargs)
        proxy = self._proxy_class(coro, tracer, task_id)
        return asyncio.Task(proxy, loop=loop, **kwargs)

    def close(self) -> None:
        super().close()
        trace = self.tracer.trace
        if not trace.finished and self.tracer.hub.mode is Mode.FREE:
            main = trace.tasks.get(1)
            trace.finish(main.outcome if main is not None else "closed")

    def run_in_executor(  # type: ignore[override]
        self, executor: Any, func: Callable[..., Any], *args: Any
    ) -> Any:
        tracer = self.tracer
        if tracer.phase is not Phase.SCENARIO or not _is_thread_executor(executor):
            # Process pools pickle their work: the function goes through untouched.
            return super().run_in_executor(executor, func, *args)
        if self.get_debug():
            self._check_callback(func, "run_in_executor")  # type: ignore[attr-defined]
        try:
            task = asyncio.current_task(self)
            task_id = getattr(task.get_coro(), "_task_id", 0) if task is not None else 0
            lane = self._lanes.get(id(executor)) or self._learn_lane(executor)
            label, capacity, persistent = lane
            job = tracer.job_dispatched(task_id, describe_callable(func), label)
        except Exception as error:  # the tracer failed: the work still runs, untraced
            tracer.report_error("run_in_executor", error)
            return super().run_in_executor(executor, func, *args)
        run_job = functools.partial(tracer.run_job, job, func, args, persistent)
        if tracer.hub.never_holds:  # see track_job
            future = super().run_in_executor(executor, run_job)
        else:
            future = track_job(
                tracer.hub,
                job,
                id(executor),
                capacity,
                lambda: super(TracingLoop, self).run_in_executor(executor, run_job),
            )
        tracer.watch_delivery(job, future)
        return future

    def _learn_lane(self, executor: Any) -> tuple[str, int, bool]:
        """Label, worker count and lifetime of an executor, worked out once per executor."""
        if executor is None:
            lane = ("loop default executor", _DEFAULT_WORKERS, False)
        else:
            self.tracer.executors.append(executor)
            label = f"{type(executor).__name__}@{id(executor):x}"
            lane = (label, getattr(executor, "_max_workers", 1), is_process_wide_executor(executor))
        self._lanes[id(executor)] = lane
        return lane


def _task_factory(loop: TracingLoop, coro: Any, **kwargs: Any) -> Any:
    """The loop's task factory: a function, as the loop's own bound method would be a
    reference cycle (keeping a closed loop and its trace until a full collection)."""
    return loop._make_task(loop, coro, **kwargs)


_LOOP_HOUSEKEEPING_FILE = os.path.join(os.path.dirname(asyncio.__file__), "base_events.py")


def _is_loop_housekeeping(coro: Any) -> bool:
    """The loop's own coroutines (``shutdown_asyncgens``, ``shutdown_default_executor``),
    which ``asyncio.Runner`` runs as tasks when it closes: not the user's tasks."""
    code = getattr(coro, "cr_code", None)
    return code is not None and code.co_filename == _LOOP_HOUSEKEEPING_FILE


def track_job(hub: GateHub, job: Job, lane: Any, capacity: int, submit: Callable[[], Any]) -> Any:
    """Count ``job`` as work of another thread until its result is back on the loop.

    Only needed while gates can hold (step mode waits for the run to settle); a
    run that holds nothing never holds again, so its jobs skip the bookkeeping.
    The job is registered before ``submit()`` hands it over, so a worker that
    starts it at once is never missed.
    """
    if hub.never_holds:
        return submit()
    job.tracked = True
    hub.job_queued(job.id, lane, capacity)
    try:
        future = submit()
    except BaseException:  # e.g. a shut-down executor: the job never existed
        hub.job_back(job.id)
        raise
    future.add_done_callback(lambda _: hub.job_back(job.id))
    return future


def _is_thread_executor(executor: Any) -> bool:
    """The loop's default executor (None) or a thread pool: where a job can be traced."""
    return executor is None or isinstance(executor, concurrent.futures.ThreadPoolExecutor)


def is_process_wide_executor(executor: Any) -> bool:
    """asgiref's single thread executor serves the whole process and must outlive a run."""
    stdlib_or_asgiref = type(executor).__module__
    return (
        executor is not None
        and stdlib_or_asgiref.startswith("concurrent")
        and any(
            getattr(owner, "single_thread_executor", None) is executor
            for owner in _sync_to_async_classes()
        )
    )


def _sync_to_async_classes() -> tuple[Any, ...]:
    module = sys.modules.get("asgiref.sync")
    return (module.SyncToAsync,) if module is not None else ()


class LoopFactory:
    """A loop factory for ``asyncio.Runner`` / ``asyncio.run``, keeping each loop's trace.

    Example::

        factory = LoopFactory()
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(main())
        print(len(factory.trace), "steps")
    """

    def __init__(self, *, name: str = "<loop>", user_files: frozenset[str] = frozenset()) -> None:
        self.name = name
        self.user_files = user_files
        self.traces: list[Trace] = []

    def __call__(self) -> TracingLoop:
        info = ScenarioInfo(name=self.name, path="", function="", source="")
        trace = Trace(scenario=info)
        tracer = Tracer(
            trace=trace, hub=GateHub(trace=trace, mode=Mode.FREE), user_files=self.user_files
        )
        self.traces.append(trace)
        return TracingLoop(tracer)

    @property
    def trace(self) -> Trace:
        """The trace of the most recent loop made by this factory."""
        if not self.traces:
            raise LookupError("this factory has not made a loop yet")
        return self.traces[-1]


__all__ = ["CoroutineProxy", "LoopFactory", "TracingLoop", "track_job"]
