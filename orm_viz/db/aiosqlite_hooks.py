"""aiosqlite instrumentation: one thread and one queue per connection.

aiosqlite does not use ``run_in_executor``: each ``Connection`` owns a worker
thread fed through a queue of ``(future, function)`` pairs. When a connection
opens on a traced loop, its queue is wrapped so every operation becomes a job
of the run: SQL and timing recorded, gates held, latency simulated, all inside
that connection's thread. On any other loop the patch does nothing.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from typing import Any

import aiosqlite.core

from orm_viz.trace.instruments import Instrument
from orm_viz.trace.loop import TracingLoop, track_job
from orm_viz.trace.records import StepKind
from orm_viz.trace.render import substitute_params
from orm_viz.trace.tracer import Phase, Tracer

_SQL_FUNCTIONS = {"execute", "executemany", "executescript", "_execute_insert", "_execute_fetchall"}
_FETCH_FUNCTIONS = {"fetchone", "fetchmany", "fetchall", "_execute_fetchall"}
_patch_lock = threading.Lock()
_original_connect = aiosqlite.core.Connection._connect


def _running_tracer() -> Tracer | None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    if isinstance(loop, TracingLoop) and loop.tracer.phase is Phase.SCENARIO:
        return loop.tracer
    return None


class _TracedQueue:
    """Stands in for a connection's queue; the worker thread still reads the real one."""

    def __init__(self, inner: Any, tracer: Tracer, instrument: AiosqliteInstrument) -> None:
        self._inner = inner
        self._tracer = tracer
        self._instrument = instrument
        self._last_query = -1
        # sqlite3 cursor -> the query it ran: fetches come in later hops, maybe interleaved.
        self._cursor_query: dict[int, int] = {}

    def put_nowait(self, item: tuple[Any, Any]) -> None:
        future, function = item
        tracer = self._tracer
        if tracer.phase is not Phase.SCENARIO:
            self._inner.put_nowait(item)
            return
        task = asyncio.current_task()
        task_id = getattr(getattr(task, "get_coro", lambda: None)(), "_task_id", 0)
        job = tracer.job_dispatched(task_id, _describe(function), "aiosqlite connection thread")
        traced = (future, functools.partial(self._run, job, function))
        if future is None:
            self._inner.put_nowait(traced)
            return

        def submit() -> Any:
            self._inner.put_nowait(traced)
            return future

        track_job(tracer.hub, job, id(self), 1, submit)
        tracer.watch_delivery(job, future)

    def _run(self, job: Any, function: Any) -> Any:
        return self._tracer.run_job(job, self._observe, (job, function))

    def _observe(self, job: Any, function: Any) -> Any:
        tracer = self._tracer
        sql = _sql_of(function)
        query_id = -1
        if sql is not None:
            with tracer.guarded("aiosqlite query start"):
                query_id = self._last_query = tracer.query_started(job, sql, "aiosqlite")
                tracer.db_gate(StepKind.QUERY_EXECUTE, job, query_id, "about to execute")
                tracer.simulate_latency()
        try:
            result = function()
        except BaseException as error:
            if query_id > 0:
                tracer.query_failed(job, query_id, error)
            raise
        with tracer.guarded("aiosqlite rows"):
            name = getattr(getattr(function, "func", None), "__name__", "")
            owner = getattr(getattr(function, "func", None), "__self__", None)
            if name in _FETCH_FUNCTIONS and name != "_execute_fetchall":
                read_from = self._cursor_query.get(id(owner), self._last_query)
                rows = len(result) if isinstance(result, list) else int(result is not None)
                if read_from > 0:
                    tracer.rows_read_late(job, read_from, rows)
            elif name == "_execute_fetchall" and query_id > 0:
                tracer.rows_read(job, len(result))
            elif query_id > 0:
                self._cursor_query[id(result)] = query_id
                tracer.query_executed(job, getattr(result, "rowcount", -1))
            elif name == "close" and owner is not None:
                self._cursor_query.pop(id(owner), None)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _describe(function: Any) -> str:
    inner = getattr(function, "func", function)
    return f"aiosqlite {getattr(inner, '__qualname__', getattr(inner, '__name__', '?'))}"


def _sql_of(function: Any) -> str | None:
    inner = getattr(function, "func", None)
    args = getattr(function, "args", ())
    if getattr(inner, "__name__", "") in _SQL_FUNCTIONS and args and isinstance(args[0], str):
        params = args[1] if len(args) > 1 else ()
        return substitute_params(args[0], params)
    return None


async def _traced_connect(self: Any) -> Any:
    tracer = _running_tracer()
    if tracer is not None and not isinstance(self._tx, _TracedQueue):
        instrument = next(
            (i for i in tracer.instruments if isinstance(i, AiosqliteInstrument)), None
        )
        if instrument is not None:
            self._tx = _TracedQueue(self._tx, tracer, instrument)
            instrument.opened.append(self)
    return await _original_connect(self)


class AiosqliteInstrument(Instrument):
    """Traces aiosqlite connections opened by a run, and closes any it left open."""

    name = "aiosqlite"

    def __init__(self) -> None:
        self.opened: list[Any] = []
        with _patch_lock:
            if aiosqlite.core.Connection._connect is not _traced_connect:
                aiosqlite.core.Connection._connect = _traced_connect  # type: ignore[method-assign]

    async def run_closing(self, tracer: Tracer) -> None:
        for connection in self.opened:
            if connection._connection is not None:
                await connection.close()

    def run_closed(self, tracer: Tracer) -> None:
        for connection in self.opened:
            if connection._thread.is_alive():
                connection.stop()
                connection._thread.join(0.5)
        self.opened.clear()
