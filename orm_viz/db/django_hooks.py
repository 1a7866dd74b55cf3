"""Django instrumentation: see every SQL statement, in the thread that runs it.

Django connections are per thread, so the execute wrapper is installed from
inside each worker thread at the start of each job (``worker_job_started``);
that covers connections the thread opened before too. The wrapper:

* links the statement to the job (and so to the task and the ORM function),
* holds the *query execute* gate before the statement runs,
* sleeps the simulated latency there, in the DB thread (never the loop),
* counts the rows the cursor hands back.

Each run points its threads' connections at its own copy of the database.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import connections

from orm_viz.trace.instruments import Instrument
from orm_viz.trace.records import StepKind
from orm_viz.trace.render import substitute_params
from orm_viz.trace.tracer import Tracer, current_job


class _RowCountingCursor:
    """Wraps a DB-API cursor and reports how many rows the ORM reads from it.

    Rows may be read in later thread hops than the one that ran the statement
    (``aiterator()`` reads one chunk per hop), so each read is credited to the
    job running now.
    """

    __slots__ = ("_cursor", "_job", "_tracer", "query_id")

    def __init__(self, cursor: Any, tracer: Tracer, job: Any, query_id: int) -> None:
        self._cursor = cursor
        self._tracer = tracer
        self._job = job
        self.query_id = query_id

    def _count(self, rows: int) -> None:
        found = current_job()
        job = self._job
        if found is None or found[1] is job:
            job.rows = max(job.rows, 0) + rows  # Tracer.rows_read, inlined
            job.query_rows = max(job.query_rows, 0) + rows
        else:
            self._tracer.rows_read_late(found[1], self.query_id, rows)

    def fetchone(self) -> Any:
        row = self._cursor.fetchone()
        self._count(0 if row is None else 1)
        return row

    def fetchmany(self, *args: Any) -> Any:
        rows = self._cursor.fetchmany(*args)
        self._count(len(rows))
        return rows

    def fetchall(self) -> Any:
        rows = self._cursor.fetchall()
        self._count(len(rows))
        return rows

    def __iter__(self) -> Any:
        for row in self._cursor:
            self._count(1)
            yield row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


_EXECUTE = StepKind.QUERY_EXECUTE


class _QueryObserver:
    """A Django execute wrapper bound to one run."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        found = current_job()
        if found is None or found[0] is not self.tracer:
            return execute(sql, params, many, context)
        tracer, job = found
        query_id = -1
        try:
            shown = _display_sql(sql, params, many) if params else sql
            query_id = tracer.query_started(job, shown, "django")
            tracer.db_gate(_EXECUTE, job, query_id, "about to execute")
            if tracer.latency > 0:
                tracer.simulate_latency()
            wrapper = context["cursor"]
            if type(wrapper.cursor) is not _RowCountingCursor:
                wrapper.cursor = _RowCountingCursor(wrapper.cursor, tracer, job, query_id)
            else:
                wrapper.cursor.query_id = query_id
        except Exception as error:  # reported; the query runs untraced
            tracer.report_error("query start", error)
        try:
            result = execute(sql, params, many, context)
        except BaseException as error:
            if query_id > 0:
                tracer.query_failed(job, query_id, error)
            raise
        if query_id > 0 and not _returns_rows(sql):
            tracer.query_executed(job, getattr(context["cursor"], "rowcount", -1))
        return result


_ROW_RETURNING = frozenset({"SELECT", "WITH R", "WITH", "PRAGMA"})
_RETURNS_ROWS: dict[str, bool] = {}  # by statement: a loop sends the same one again and again


def _returns_rows(sql: str) -> bool:
    """Does the statement hand back rows (read through the cursor, so counted there)?"""
    found = _RETURNS_ROWS.get(sql)
    if found is None:
        if len(_RETURNS_ROWS) >= 512:
            _RETURNS_ROWS.clear()
        found = _RETURNS_ROWS[sql] = sql.lstrip()[:6].upper() in _ROW_RETURNING
    return found


def _display_sql(sql: str, params: Any, many: bool) -> str:
    if not params:
        return sql
    if many:
        return f"{sql}  -- × {len(params) if hasattr(params, '__len__') else '?'} parameter sets"
    return substitute_params(sql, params)


class DjangoInstrument(Instrument):
    """Instruments Django's connections in every worker thread of a run.

    Args:
        database: the SQLite file this run's connections use (a fresh copy), or
            None to leave the configured database alone.
    """

    name = "django"

    def __init__(self, database: str | None = None) -> None:
        self.database = database
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._thread_state = threading.local()

    def run_context_entered(self, tracer: Tracer) -> None:
        """Point the loop thread's connections at the run's copy too.

        No query can run there (Django refuses in async code), but scenario code
        may read ``connection.settings_dict["NAME"]``, e.g. to open aiosqlite on
        the same file.
        """
        for alias in connections:
            self._point_at_run_database(connections[alias])

    def worker_job_started(self, tracer: Tracer) -> None:
        if getattr(self._thread_state, "tracer", None) is tracer:
            return  # this thread's connections are already set up for this run
        self._thread_state.tracer = tracer
        for alias in connections:
            connection = connections[alias]
            if getattr(connection, "_orm_viz_tracer", None) is tracer:
                continue
            self._point_at_run_database(connection)
            connection.execute_wrappers[:] = [
                w for w in connection.execute_wrappers if not isinstance(w, _QueryObserver)
            ]
            connection.execute_wrappers.append(_QueryObserver(tracer))
            connection._orm_viz_tracer = tracer
            with self._lock:
                self._connections.append(connection)

    def _point_at_run_database(self, connection: Any) -> None:
        if self.database is None or connection.vendor != "sqlite":
            return
        if connection.settings_dict.get("NAME") == self.database:
            return
        if connection.connection is not None:
            connection.close()  # this thread's connection still points at another run's copy
        connection.settings_dict = {**connection.settings_dict, "NAME": self.database}

    def run_closed(self, tracer: Tracer) -> None:
        """Close every connection the run's threads opened, from the run thread."""
        with self._lock:
            opened, self._connections = self._connections, []
        for connection in opened:
            connection.execute_wrappers[:] = [
                w for w in connection.execute_wrappers if not isinstance(w, _QueryObserver)
            ]
            connection._orm_viz_tracer = None
            if connection.connection is None:
                continue
            connection.inc_thread_sharing()
            try:
                connection.close()
            finally:
                connection.dec_thread_sharing()
