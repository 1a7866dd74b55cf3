"""The focused task's story: execution table, variable tracker and flow stages.

The seed page's columns, each derived from observed steps:

* Awaited? — the task is suspended at an await at this step;
* DB query sent? — the SQL of the task's current await reached a DB thread;
* Data received? — that query's result was handed back to the task;
* Result — what the step shows: coroutine created, waiting for the DB (thread),
  rows ready, rows received, the returned value or the exception.
"""

from __future__ import annotations

import bisect
import enum
import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from orm_viz.trace.records import QueryRecord, Step, StepKind, TaskRecord
from orm_viz.trace.store import Trace


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row of the execution table.

    Attributes:
        number: the step number shown to users, the same in every view: 1 is the main
            coroutine's call (before any gate), and trace step ``i`` is number ``i + 2``.
            The call row of any other task is 0 (its creation is not a step).
        step: trace step index, or -1 for the call row (the coroutine's creation).
        kind: "call" or the step kind's value.
        action: what happened, usually the source line.
        line: source line (0 if none).
        awaited, query_sent, data_received: the seed page's yes/no columns.
        result: short text for the Result column.
        elapsed: seconds since the task was created.
        sql_thread: the thread that ran this row's SQL ("" if none).
        query: id of the row's query, or -1.
    """

    number: int
    step: int
    kind: str
    action: str
    line: int
    awaited: bool
    query_sent: bool
    data_received: bool
    result: str
    elapsed: float
    sql_thread: str
    query: int


def step_number(index: int) -> int:
    """The number users see for trace step ``index`` (1 is the main coroutine's call)."""
    return index + 2


def source_line(trace: Trace, line: int) -> str:
    """The stripped text of ``line`` in the traced file ("" if out of range)."""
    lines = _source_lines(trace.scenario.source)
    return lines[line - 1] if 0 < line <= len(lines) else ""


@functools.lru_cache(maxsize=8)
def _source_lines(source: str) -> tuple[str, ...]:
    # Every row reads a line: splitting the file once per row made a table quadratic.
    return tuple(line.strip() for line in source.splitlines())


def focus_steps(trace: Trace, task: int) -> list[Step]:
    return [step for step in trace.iter_steps() if step.task == task]


def _rows_text(rows: int) -> str:
    return f"{rows} row" + ("" if rows == 1 else "s")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def execution_table(trace: Trace, task: int = 1) -> list[TableRow]:
    """The execution table of ``task``: its creation, then one row per step."""
    record = trace.tasks.get(task)
    if record is None:
        return []
    rows = [call_row(trace, record)]
    sent = received = False
    for step in focus_steps(trace, task):
        query = trace.queries.get(step.query)
        sent, received = row_flags(step, query, sent, received)
        rows.append(step_row(trace, step, record, query, sent, received))
    return rows


def call_row(trace: Trace, record: TaskRecord) -> TableRow:
    """The first row of a task's table: its coroutine's creation, before any step."""
    function = record.coro.rsplit(".", 1)[-1]
    call_action = (
        f"Call {function}()"
        if record.id == 1
        else (source_line(trace, record.created_line) or f"create task {record.name}")
    )
    return TableRow(
        1 if record.id == 1 else 0,  # only the main coroutine's call comes before every step
        -1,
        "call",
        call_action,
        record.created_line or trace.scenario.first_line,
        False,
        False,
        False,
        "coroutine created, not started",
        0.0,
        "",
        -1,
    )


def row_flags(
    step: Step, query: QueryRecord | None, sent: bool, received: bool
) -> tuple[bool, bool]:
    """The DB query sent? and Data received? columns at ``step``, from those of the row
    before: a query step sends; a resume with that query's record delivers its data.

    Args:
        step: the step of the row.
        query: the record of ``step.query``, or None if there is none.
        sent: DB query sent? on the row before.
        received: Data received? on the row before.

    Returns:
        (query sent, data received) for the row of ``step``.
    """
    if step.kind is StepKind.QUERY_EXECUTE:
        return True, False
    if step.kind is StepKind.TASK_RESUME and query is not None and sent:
        return sent, True
    return sent, received


def step_row(
    trace: Trace,
    step: Step,
    record: TaskRecord,
    query: QueryRecord | None,
    sent: bool,
    received: bool,
) -> TableRow:
    """The table row of one step of ``record``'s task.

    Args:
        trace: the run.
        step: the step.
        record: the task's record.
        query: the record of ``step.query`` (None if there is none), read once by the
            caller so the flags and the row agree.
        sent: the row's DB query sent? (see :func:`row_flags`).
        received: the row's Data received?.
    """
    function = record.coro.rsplit(".", 1)[-1]
    return TableRow(
        number=step_number(step.index),
        step=step.index,
        kind=step.kind.value,
        action=_action(trace, step, query, function),
        line=step.line,
        awaited=step.kind in (StepKind.QUERY_EXECUTE, StepKind.QUERY_RESULT),
        query_sent=sent,
        data_received=received,
        result=_result(step, query),
        elapsed=max(0.0, step.t - record.created_t),
        sql_thread=query.thread if query is not None else "",
        query=step.query,
    )


def _action(trace: Trace, step: Step, query: QueryRecord | None, function: str) -> str:
    text = source_line(trace, step.line)
    if step.kind is StepKind.TASK_START:
        return f"Start {function}(): run until its first await"
    if step.kind is StepKind.QUERY_RESULT:
        runner = query.orm_function if query is not None else "the query"
        return f"DB thread runs {runner}"
    if step.kind is StepKind.TASK_END:
        return text or f"{function} ends"
    return text or step.chain


def _result(step: Step, query: QueryRecord | None) -> str:
    if step.kind is StepKind.TASK_START:
        return "running until the first await"
    if step.kind is StepKind.QUERY_EXECUTE:
        return f"waiting for DB ({step.thread})"
    if step.kind is StepKind.QUERY_RESULT:
        if query is None:
            return step.detail
        took = _ms(query.end - query.start) if query.end >= 0 else "?"
        return f"{step.detail}, ready in {query.thread} after {took}"
    if step.kind is StepKind.TASK_RESUME:
        if query is not None:
            return f"{_rows_text(max(query.rows, 0))} received"
        return "resumed"
    return step.detail


# ------------------------------------------------------------------ variable tracker

UNBOUND = "unbound"


@dataclass(frozen=True, slots=True)
class TrackerCell:
    text: str
    changed: bool
    bound: bool


@dataclass(frozen=True, slots=True)
class Tracker:
    """Variables × table rows for one task.

    Attributes:
        columns: the table row numbers, in order.
        names: variables in order of first appearance.
        cells: for each name, one cell per column.
        pending: per column, what the task is waiting on ("" if nothing).
    """

    columns: tuple[int, ...]
    names: tuple[str, ...]
    cells: dict[str, tuple[TrackerCell, ...]]
    pending: tuple[str, ...]


def variable_tracker(trace: Trace, task: int = 1) -> Tracker:
    """Locals of ``task`` at each row; a variable is ``unbound`` until it is assigned."""
    rows = execution_table(trace, task)
    steps = {step.index: step for step in focus_steps(trace, task)}
    snapshots: list[dict[str, str]] = []
    names: list[str] = []
    for row in rows:
        values = row_variables(steps.get(row.step))
        snapshots.append(values)
        names.extend(name for name in values if name not in names)
    cells = tracker_cells(names, snapshots, {})
    pending = tuple(awaiting(trace, row) for row in rows)
    return Tracker(tuple(r.number for r in rows), tuple(names), cells, pending)


def row_variables(step: Step | None) -> dict[str, str]:
    """A tracker column: the rendered locals of a row's step ({} for the call row)."""
    return dict(step.locals) if step is not None else {}


def tracker_cells(
    names: Sequence[str], snapshots: Sequence[Mapping[str, str]], before: Mapping[str, str]
) -> dict[str, tuple[TrackerCell, ...]]:
    """Each variable's cells over consecutive columns.

    Args:
        names: the variables, in the tracker's order.
        snapshots: per column, the rendered locals of its step.
        before: the locals of the column before the first ({} if there is none), so a
            window of columns marks the same changes as the whole tracker.
    """
    cells: dict[str, tuple[TrackerCell, ...]] = {}
    for name in names:
        column: list[TrackerCell] = []
        previous = before.get(name, UNBOUND)
        for values in snapshots:
            text = values.get(name, UNBOUND)
            column.append(TrackerCell(text, changed=text != previous, bound=name in values))
            previous = text
        cells[name] = tuple(column)
    return cells


def awaiting(trace: Trace, row: TableRow) -> str:
    """The tracker's Awaiting text for ``row``: the awaited expression and where its query
    runs ("" when the row is not at an await)."""
    if not row.awaited:
        return ""
    expression = source_line(trace, row.line)
    if "await " in expression:
        expression = "await " + expression.split("await ", 1)[1]
    query = trace.queries.get(row.query)
    target = f" → {query.orm_function} in {query.thread}" if query is not None else ""
    return f"{expression}{target}"


# ------------------------------------------------------------------ flow stages


class Stage(enum.StrEnum):
    START = "Start"
    SEND_QUERY = "Send query"
    WAIT = "Wait — loop free"
    RECEIVE = "Receive data"
    PROCESS = "Process in Python"
    RETURN = "Return"
    END = "End"
    RAISED = "Raised"


FLOW = (
    Stage.START,
    Stage.SEND_QUERY,
    Stage.WAIT,
    Stage.RECEIVE,
    Stage.PROCESS,
    Stage.RETURN,
    Stage.END,
)


@dataclass(frozen=True, slots=True)
class Token:
    """Where one task is in the flow at a step."""

    task: int
    stage: Stage
    thread: str  # the DB thread running its query, while waiting on one
    query: int
    since: float  # when it entered this stage


def flow_stages(trace: Trace, index: int) -> dict[int, Token]:
    """The stage of every task that exists at step ``index``."""
    tokens: dict[int, Token] = {}
    for at, changed in flow_timeline(trace, until=index):
        tokens.update(changed)
        if at == index:
            break
    return tokens


def flow_timeline(trace: Trace, until: int | None = None) -> Iterator[tuple[int, dict[int, Token]]]:
    """(step index, tokens that changed at that step), in one pass over the trace.

    Only two tasks can change at a step: the step's own task, and the task of the
    step before (no longer current). So this is linear in the number of steps.
    """
    starts: dict[int, list[QueryRecord]] = {}
    for query in sorted(trace.query_list(), key=lambda q: q.start):
        starts.setdefault(query.task, []).append(query)
    latest: dict[int, Step] = {}
    previous: Step | None = None
    for step in trace.iter_steps():
        if until is not None and step.index > until:
            return
        changed = {}
        if previous is not None and previous.task != step.task:
            changed[previous.task] = flow_token(
                trace, previous, False, starts.get(previous.task, ())
            )
        latest[step.task] = step
        changed[step.task] = flow_token(trace, step, True, starts.get(step.task, ()))
        previous = step
        yield step.index, changed


def flow_token(trace: Trace, step: Step, current: bool, queries: Sequence[QueryRecord]) -> Token:
    """Where ``step``'s task is in the flow once ``step`` is its latest step.

    Args:
        trace: the run.
        step: the task's latest step.
        current: ``step`` is the step under consideration (not yet released).
        queries: the task's queries sorted by start time, to tell what a released task
            waits for.
    """
    task, kind = step.task, step.kind
    query = trace.queries.get(step.query)
    thread = query.thread if query is not None else ""
    if kind is StepKind.TASK_END:
        outcome = trace.tasks[task].outcome if task in trace.tasks else ""
        if outcome == "raised":
            return Token(task, Stage.RAISED, "", -1, step.t)
        return Token(task, Stage.RETURN if current else Stage.END, "", -1, step.t)
    if kind is StepKind.QUERY_EXECUTE:
        return Token(task, Stage.SEND_QUERY if current else Stage.WAIT, thread, step.query, step.t)
    if kind is StepKind.QUERY_RESULT:
        return Token(task, Stage.RECEIVE, thread, step.query, step.t)
    if current:
        stage = Stage.START if kind is StepKind.TASK_START else Stage.PROCESS
        return Token(task, stage, "", step.query, step.t)
    # Released since: it ran and is now suspended at an await; its next query, if any,
    # is what it waits for.
    at = bisect.bisect_left(queries, step.t, key=lambda q: q.start)
    if at < len(queries):
        waiting_on = queries[at]
        return Token(task, Stage.WAIT, waiting_on.thread, waiting_on.id, step.t)
    return Token(task, Stage.WAIT, "", -1, step.t)
