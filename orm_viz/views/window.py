"""Incremental, windowed access to the story views of a growing trace.

The views in :mod:`orm_viz.views.story` and :mod:`orm_viz.views.lesson` are pure
functions, each a pass over every step: right for ``orm-viz trace`` and saved traces,
too slow for a key press at step 100,000 of a live run, whose trace keeps growing while
it is shown (and, once full, drops its earliest steps). A :class:`StoryIndex` keeps what
those passes derive from each step once — each task's steps, the table's DB query sent?
and Data received? columns, the tracker's variable names, the warnings and loop blocks
among the events — and extends it with the steps recorded since it last looked, so a
repaint costs the window it shows, not the run.

Rows, cells and sentences are derived when read, by the functions the pure views use,
from the step and the records as they are then: a query's end and rows are written after
its steps, so nothing read from a record is kept (only whether a resume's query has a
record, which is watched until it does). So every answer equals the pure view's at the
time of the call.
"""

from __future__ import annotations

import bisect
import heapq
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, overload

from orm_viz.trace.records import Event, EventKind, QueryRecord, Step, StepKind, TaskRecord
from orm_viz.trace.store import Trace
from orm_viz.views.lesson import call_sentence, step_sentences
from orm_viz.views.story import (
    TableRow,
    Token,
    Tracker,
    awaiting,
    call_row,
    flow_token,
    row_flags,
    row_variables,
    step_row,
    tracker_cells,
)

_T = TypeVar("_T")

_SENT = 1  # bits of a row's flags byte
_RECEIVED = 2
# The entries of dropped steps are freed once there are at least this many and they are
# at least half of a task's entries, so freeing costs O(1) per dropped step.
_COMPACT_AFTER = 1024
_ATTEMPTS = 10  # each failed read means the run moved on: the next one sees a later trace


class StepDropped(LookupError):
    """A step a read needed was dropped from the bounded trace meanwhile.

    Raised by a :meth:`StoryIndex.table` view read at a row whose step is gone; the
    index's own methods read the trace again instead.
    """


def _pack(flags: tuple[bool, bool]) -> int:
    sent, received = flags
    return (_SENT if sent else 0) | (_RECEIVED if received else 0)


def _start(query: QueryRecord) -> float:
    return query.start


@dataclass(slots=True, eq=False)
class _TaskSteps:
    """What the index keeps of one task, one entry per step, in step order.

    Attributes:
        steps: trace indices of the task's steps.
        flags: per step, its row's DB query sent? / Data received? bits.
        head: entries before it are the task's dropped steps, kept until compaction.
        first_seen: each variable of the held steps: (step index, position among that
            step's variables) where it first appears, which orders the tracker's names.
        last_seen: each variable's last step index, so a drop knows which names go.
        names: the tracker's names in order, or None until asked again.
    """

    steps: array[int] = field(default_factory=lambda: array("q"))
    flags: bytearray = field(default_factory=bytearray)
    head: int = 0
    first_seen: dict[str, tuple[int, int]] = field(default_factory=dict)
    last_seen: dict[str, int] = field(default_factory=dict)
    names: tuple[str, ...] | None = None

    @property
    def held(self) -> bool:
        return self.head < len(self.steps)


class TableView(Sequence[TableRow]):
    """One task's execution table as it was when :meth:`StoryIndex.table` returned it.

    Its length is fixed then; each row is derived when read (O(1)), with its query's
    record as it is at that time. Reading a row whose step the bounded trace has dropped
    since raises :class:`StepDropped`: ask the index again.
    """

    __slots__ = ("_flags", "_head", "_length", "_record", "_steps", "_trace")

    def __init__(self, trace: Trace, record: TaskRecord, steps: _TaskSteps) -> None:
        self._trace = trace
        self._record = record
        # The arrays themselves, not the task's entry: compaction replaces them, so the
        # positions of this view stay valid after it.
        self._steps = steps.steps
        self._flags = steps.flags
        self._head = steps.head
        self._length = len(steps.steps) - steps.head + 1  # the call row comes first

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, key: int) -> TableRow: ...

    @overload
    def __getitem__(self, key: slice) -> list[TableRow]: ...

    def __getitem__(self, key: int | slice) -> TableRow | list[TableRow]:
        if isinstance(key, slice):
            return [self.derive(at)[0] for at in range(*key.indices(self._length))]
        at = key + self._length if key < 0 else key
        if not 0 <= at < self._length:
            raise IndexError(f"table row {key} out of range ({self._length} rows)")
        return self.derive(at)[0]

    def derive(self, at: int) -> tuple[TableRow, Step | None]:
        """Row ``at`` (0 is the call row) and its step (None for the call row).

        Raises:
            StepDropped: the row's step was dropped since the view was made.
        """
        trace = self._trace
        if at == 0:
            return call_row(trace, self._record), None
        position = self._head + at - 1
        step = _step(trace, self._steps[position])
        flags = self._flags[position]
        query = trace.queries.get(step.query)
        sent, received = bool(flags & _SENT), bool(flags & _RECEIVED)
        return step_row(trace, step, self._record, query, sent, received), step


def _step(trace: Trace, index: int) -> Step:
    try:
        return trace.step(index)
    except IndexError as error:
        if index < trace.first_index:
            raise StepDropped(f"step {index} was dropped meanwhile") from error
        raise


class StoryIndex:
    """The story views of one trace, kept up to date with it and read by windows.

    Every method first reads what the trace recorded since the last call (O(new steps);
    a drop of early steps costs O(tasks · log steps) plus what it changes), then answers
    from the window asked for. Each answer equals the pure view's at the time of the call.
    All calls must come from one thread (the UI's); the trace may grow from others. A
    read whose steps the run drops while it reads is read again, up to ten times, then
    raises :class:`StepDropped` (only a run dropping a whole trace's worth of steps
    during each read gets that far).

    Attributes:
        trace: the trace indexed.
    """

    def __init__(self, trace: Trace) -> None:
        """Index ``trace``; nothing is read before the first call.

        Args:
            trace: the run, live or loaded.
        """
        self.trace = trace
        self._tasks: dict[int, _TaskSteps] = {}
        self._next = 0  # index of the next step to read
        self._first = 0  # the trace's first_index when last read
        # (first held step, task) of every task holding steps: tokens list tasks in this
        # order, and a drop visits only the tasks whose first step it takes.
        self._firsts: list[tuple[int, int]] = []
        self._order: list[int] | None = None
        # Resumes read before their query's record existed, by query id: their Data
        # received? changes once it does.
        self._late: dict[int, list[tuple[int, int]]] = {}
        self._variables: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._queries: dict[int, list[QueryRecord]] = {}  # by task, sorted by start
        self._queries_seen = 0
        self._next_query = 1
        self._events_seen = 0  # counting dropped events
        self._events_dropped = 0
        self._blocks: list[tuple[int, float]] = []  # (event number, t), in event order
        self._block_times: list[float] = []  # sorted
        self._warning_log: list[tuple[int, Event]] = []
        self._warnings: dict[int, list[Event]] = {}

    # ------------------------------------------------------------------ public reads

    def table(self, task: int = 1) -> Sequence[TableRow]:
        """The execution table of ``task``: the rows of ``execution_table(trace, task)``.

        Args:
            task: the task's id.

        Returns:
            A :class:`TableView` (empty if the task is unknown): O(1) to get, O(1) per
            row read, so a slice of the rows shown costs that slice.
        """
        return self._read(lambda: self._table(task))

    def row_for_step(self, task: int, index: int) -> int:
        """The position in ``table(task)`` of its last row whose step is at most ``index``.

        Args:
            task: the task's id.
            index: a trace step index.

        Returns:
            The row's position, 0 (the call row) if none of the task's steps is that
            early, and 0 too if the task is unknown. O(log steps).
        """
        self._refresh()
        return self._row_for_step(task, index)

    def table_and_rows(
        self, task: int, indices: Sequence[int]
    ) -> tuple[Sequence[TableRow], tuple[int, ...]]:
        """``table(task)`` and the :meth:`row_for_step` of each of ``indices``, read at
        one moment: the positions are that table's, even if the run drops steps meanwhile
        (asking for the table and then a row could count them after a drop)."""
        self._refresh()
        return self._table(task), tuple(self._row_for_step(task, i) for i in indices)

    def _row_for_step(self, task: int, index: int) -> int:
        steps = self._tasks.get(task)
        if steps is None or task not in self.trace.tasks:
            return 0
        return bisect.bisect_right(steps.steps, index, steps.head) - steps.head

    def tracker(self, task: int, first_row: int, last_row: int) -> Tracker:
        """Columns ``first_row`` to ``last_row`` (inclusive, clamped to the table) of the
        variable tracker of ``task``.

        The result equals ``variable_tracker(trace, task)`` cut to those columns: the
        same columns, cells and pending texts, and all of its names (each name's cells
        are ``unbound`` in the window if it is bound only outside). A cell's ``changed``
        compares it with the column before the window, as in the whole tracker.

        Args:
            task: the task's id.
            first_row: position of the first column (a table row).
            last_row: position of the last column.

        Returns:
            The window of the tracker, in O(window · names).
        """
        return self._read(lambda: self._tracker(task, first_row, last_row))

    def tokens(self, index: int) -> dict[int, Token]:
        """Where every task is in the flow at step ``index``: equals
        ``flow_stages(trace, index)``, tasks in the same order.

        A task's token depends only on its last step at or before ``index`` and on
        whether that is ``index`` itself, so each is found by bisection: O(tasks · log
        steps), nothing replayed.

        Args:
            index: a trace step index (past the last step: the last step).
        """
        return self._read(lambda: self._tokens(index))

    def transcript(self, first_step: int, last_step: int) -> list[tuple[int, str]]:
        """The sentences of ``transcript(trace)`` for steps ``first_step`` to
        ``last_step`` (inclusive, clamped to the held steps), each with its step index.

        A step has one sentence, then one per warning raised at it, as in the transcript.
        The main coroutine's call sentence ("Step 1: …") belongs to index -1, just before
        step 0: it comes first in any window that starts at step 0 or earlier (and only
        while the trace holds step 0, as in the transcript).

        Args:
            first_step: the first trace step index.
            last_step: the last trace step index.

        Returns:
            (step index, sentence) pairs in transcript order, in O(window + log events).
        """
        return self._read(lambda: self._transcript(first_step, last_step))

    # ------------------------------------------------------------------ windows

    def _read(self, derive: Callable[[], _T]) -> _T:
        for _ in range(_ATTEMPTS - 1):
            self._refresh()
            try:
                return derive()
            except StepDropped:
                continue  # a full trace dropped a step of the window meanwhile: read again
        self._refresh()
        return derive()

    def _table(self, task: int) -> Sequence[TableRow]:
        record = self.trace.tasks.get(task)
        if record is None:
            return []
        return TableView(self.trace, record, self._tasks.get(task) or _TaskSteps())

    def _tracker(self, task: int, first_row: int, last_row: int) -> Tracker:
        table = self._table(task)
        if not isinstance(table, TableView):
            return Tracker((), (), {}, ())
        first, last = max(0, first_row), min(len(table) - 1, last_row)
        window = [table.derive(at) for at in range(first, last + 1)]
        # The column before the window decides whether its first cells changed.
        before = row_variables(table.derive(first - 1)[1]) if 0 < first <= last else {}
        names = self._names(task)
        rows = [row for row, _ in window]
        return Tracker(
            tuple(row.number for row in rows),
            names,
            tracker_cells(names, [row_variables(step) for _, step in window], before),
            tuple(awaiting(self.trace, row) for row in rows),
        )

    def _names(self, task: int) -> tuple[str, ...]:
        steps = self._tasks.get(task)
        if steps is None:
            return ()
        if steps.names is None:
            steps.names = tuple(sorted(steps.first_seen, key=steps.first_seen.__getitem__))
        return steps.names

    def _tokens(self, index: int) -> dict[int, Token]:
        last = min(index, self._next - 1)
        if self._order is None:
            self._order = [task for _, task in sorted(self._firsts)]
        tokens = {}
        for task in self._order:
            steps = self._tasks[task]
            if steps.steps[steps.head] > last:
                break
            at = bisect.bisect_right(steps.steps, last, steps.head) - 1
            step = _step(self.trace, steps.steps[at])
            current = step.index == last
            tokens[task] = flow_token(self.trace, step, current, self._queries.get(task, ()))
        return tokens

    def _transcript(self, first_step: int, last_step: int) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        if first_step <= 0 <= last_step + 1:
            call = call_sentence(self.trace)
            if call is not None:
                found.append((-1, call))
        for index in range(max(first_step, self._first), min(last_step, self._next - 1) + 1):
            step = _step(self.trace, index)
            warnings = self._warnings.get(index, ())
            for sentence in step_sentences(self.trace, step, self._block_times, warnings):
                found.append((index, sentence))
        return found

    # ------------------------------------------------------------------ keeping up

    def _refresh(self) -> None:
        trace = self.trace
        while True:
            try:
                first = trace.first_index
                if first > self._first:
                    self._forget_steps_before(first)
                self._read_steps(max(self._next, first))
                self._read_queries()
                self._resolve_late_queries()
                if trace.first_index == first:
                    break
            except StepDropped:
                pass
            # The run dropped steps while new ones were read: forget those too, so a window
            # read next finds its steps held.
        self._read_events()

    def _read_steps(self, start: int) -> None:
        for step in self.trace.steps_since(start):
            self._add(step)
            self._next = step.index + 1

    def _add(self, step: Step) -> None:
        steps = self._tasks.get(step.task)
        if steps is None:
            steps = self._tasks[step.task] = _TaskSteps()
        previous = steps.flags[-1] if steps.held else 0
        if not steps.held:
            heapq.heappush(self._firsts, (step.index, step.task))
            self._order = None
        query = self.trace.queries.get(step.query)
        sent, received = bool(previous & _SENT), bool(previous & _RECEIVED)
        steps.steps.append(step.index)
        steps.flags.append(_pack(row_flags(step, query, sent, received)))
        if query is None and step.kind is StepKind.TASK_RESUME and step.query != -1:
            self._late.setdefault(step.query, []).append((step.task, step.index))
        for position, name in enumerate(self._variable_names(step)):
            if name not in steps.first_seen:
                steps.first_seen[name] = (step.index, position)
                steps.names = None
            steps.last_seen[name] = step.index

    def _variable_names(self, step: Step) -> tuple[str, ...]:
        # Which locals a step shows depends on their names only: render them once per
        # distinct tuple of names (steps of one frame share it), never per step.
        names = step.captured_locals[0]
        found = self._variables.get(names)
        if found is None:
            found = self._variables[names] = tuple(dict(step.locals))
        return found

    def _forget_steps_before(self, first: int) -> None:
        firsts = self._firsts
        while firsts and firsts[0][0] < first:
            _, task = heapq.heappop(firsts)
            steps = self._tasks[task]
            steps.head = bisect.bisect_left(steps.steps, first, steps.head)
            self._order = None
            if steps.held:
                heapq.heappush(firsts, (steps.steps[steps.head], task))
                # The table starts afresh at the first held step (nothing sent yet).
                self._reflag(steps, steps.head)
            self._rename(steps, first)
            if steps.head >= _COMPACT_AFTER and steps.head * 2 >= len(steps.steps):
                steps.steps = steps.steps[steps.head :]
                steps.flags = steps.flags[steps.head :]
                steps.head = 0
        self._first = first

    def _reflag(self, steps: _TaskSteps, position: int) -> None:
        """Derive the flags again from ``position`` on, until they agree with those kept:
        every later row follows from the row before it, as it did."""
        previous = steps.flags[position - 1] if position > steps.head else 0
        for at in range(position, len(steps.steps)):
            step = _step(self.trace, steps.steps[at])
            sent, received = bool(previous & _SENT), bool(previous & _RECEIVED)
            flags = _pack(row_flags(step, self.trace.queries.get(step.query), sent, received))
            if flags == steps.flags[at]:
                return
            steps.flags[at] = previous = flags

    def _rename(self, steps: _TaskSteps, first: int) -> None:
        """After a drop: forget the names no held step has, and find again where the
        others first appear among the held steps."""
        gone = [name for name, last in steps.last_seen.items() if last < first]
        moved = {
            name
            for name, (index, _) in steps.first_seen.items()
            if index < first and steps.last_seen[name] >= first
        }
        if not gone and not moved:
            return
        found: dict[str, tuple[int, int]] = {}
        at = steps.head
        while len(found) < len(moved):  # each is found by its last step at the latest
            step = _step(self.trace, steps.steps[at])
            for position, name in enumerate(self._variable_names(step)):
                if name in moved and name not in found:
                    found[name] = (step.index, position)
            at += 1
        for name in gone:
            del steps.first_seen[name], steps.last_seen[name]
        steps.first_seen.update(found)
        steps.names = None

    def _resolve_late_queries(self) -> None:
        for query_id in [q for q in self._late if q in self.trace.queries]:
            for task, index in self._late[query_id]:
                steps = self._tasks[task]
                at = bisect.bisect_left(steps.steps, index, steps.head)
                if at < len(steps.steps) and steps.steps[at] == index:
                    self._reflag(steps, at)
            del self._late[query_id]

    def _read_queries(self) -> None:
        queries = self.trace.queries
        while self._queries_seen < len(queries):
            record = queries.get(self._next_query)
            if record is None:  # ids not 1, 2, 3… in order: group them all again
                self._regroup_queries()
                return
            bisect.insort_right(self._queries.setdefault(record.task, []), record, key=_start)
            self._queries_seen += 1
            self._next_query += 1

    def _regroup_queries(self) -> None:
        records = self.trace.query_list()
        self._queries = {}
        for record in sorted(records, key=_start):  # stable, as flow_timeline sorts
            self._queries.setdefault(record.task, []).append(record)
        self._queries_seen = len(records)
        self._next_query = max((record.id for record in records), default=0) + 1

    def _read_events(self) -> None:
        dropped, new = self.trace.events_since(self._events_seen)
        if dropped > self._events_dropped:
            self._forget_events_before(dropped)
        start = max(self._events_seen, dropped)
        stop = start + len(new)
        for number, event in enumerate(new, start):
            if event.kind is EventKind.LOOP_BLOCKED:
                self._blocks.append((number, event.t))
                bisect.insort(self._block_times, event.t)
            elif event.kind is EventKind.WARNING:
                self._warning_log.append((number, event))
                self._warnings.setdefault(event.step, []).append(event)
        self._events_seen = stop

    def _forget_events_before(self, dropped: int) -> None:
        self._events_dropped = dropped
        self._blocks = [(number, t) for number, t in self._blocks if number >= dropped]
        self._block_times = sorted(t for _, t in self._blocks)
        self._warning_log = [(n, event) for n, event in self._warning_log if n >= dropped]
        self._warnings = {}
        for _, event in self._warning_log:
            self._warnings.setdefault(event.step, []).append(event)
