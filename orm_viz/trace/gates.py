"""Gates: where a run may stop, who decides, and how a stop becomes a step.

Gate points are reached by the loop thread (a task about to start or resume)
and by DB threads (a query about to execute, a result about to be handed back).
The :class:`GateHub` applies the mode's policy to each arrival:

* held gates wait (a task on a gate future, a DB thread on an Event) until
  released;
* passed gates are recorded at once: as steps in free / continue mode, as
  events for the coroutines that run free in *others* mode.

In step mode the order of steps must not depend on thread timing. So a held
gate is only *presented* (recorded as a step) once the run has settled: the
loop is idle, no release is still on its way to the loop, and no worker thread
is busy outside a gate. Arrivals of one settle period are ordered loop gates
first (in loop order, which is deterministic), then DB gates by job number.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from orm_viz.trace.frames import Position
from orm_viz.trace.records import Event, EventKind, StepKind
from orm_viz.trace.store import Trace


class Mode(enum.StrEnum):
    STEP = "step"  # every gate holds; one release per step
    OTHERS = "others"  # only the focused task and its queries hold
    PLAY = "play"  # like step, released on a timer by the controller
    CONTINUE = "continue"  # nothing holds from now on; steps recorded as they pass
    FREE = "free"  # nothing ever holds (the public loop factory)


HOLDING_MODES = frozenset({Mode.STEP, Mode.OTHERS, Mode.PLAY})
_STEP_TO_EVENT = {
    StepKind.TASK_START: EventKind.TASK_START,
    StepKind.TASK_RESUME: EventKind.TASK_RESUME,
    StepKind.TASK_END: EventKind.TASK_END,
}


@dataclass(eq=False, slots=True)
class Gate:
    """One arrival at a gate point."""

    kind: StepKind
    task: int
    thread: str
    position: Position
    t: float
    query: int = -1
    detail: str = ""
    job: int = 0
    step: int = -1  # the step it became, once presented
    release: Callable[[], None] | None = None
    held: bool = False

    @property
    def on_db_thread(self) -> bool:
        return self.kind in (StepKind.QUERY_EXECUTE, StepKind.QUERY_RESULT)


@dataclass(slots=True)
class _Job:
    lane: Hashable
    state: str = "queued"  # queued → running → returning
    delivered: bool = False  # the loop has its outcome (result, or cancelled under it)


@dataclass(slots=True)
class _SettleState:
    """What is still moving: the loop, releases on their way, and jobs in other threads."""

    loop_idle: bool = False
    kicks_in_flight: int = 0
    parked: set[int] = field(default_factory=set)
    jobs: dict[int, _Job] = field(default_factory=dict)
    capacity: dict[Hashable, int] = field(default_factory=dict)

    def _lane_full(self, lane: Hashable) -> bool:
        busy = sum(1 for job in self.jobs.values() if job.lane == lane and job.state == "running")
        return busy >= self.capacity.get(lane, 1)

    @property
    def settled(self) -> bool:
        """Nothing can move without a release: loop idle, every worker parked or blocked."""
        if not self.loop_idle or self.kicks_in_flight:
            return False
        for job_id, job in self.jobs.items():
            if job.state == "returning":
                return False
            if job.state == "running" and job_id not in self.parked:
                return False
            if job.state == "queued" and not self._lane_full(job.lane):
                return False
        return True


@dataclass(slots=True)
class GateHub:
    """Thread-safe policy and bookkeeping for every gate of one run."""

    trace: Trace
    mode: Mode = Mode.STEP
    focus: int = 1
    stopping: bool = False
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _incoming: list[Gate] = field(default_factory=list)
    _pending: list[Gate] = field(default_factory=list)
    _current: Gate | None = None
    _held: set[Gate] = field(default_factory=set)  # every gate holding right now
    _settle: _SettleState = field(default_factory=_SettleState)
    t0: float = 0.0  # the run's clock origin (perf_counter), for release times
    never_holds: bool = False  # free / continue / stopping: the fast path (kept by _mode_changed)
    tracks_settling: bool = False  # step / play: step order waits for the run to settle

    def __post_init__(self) -> None:
        self._mode_changed()

    # ------------------------------------------------------------ arrivals

    def arrive(self, gate: Gate) -> bool:
        """Apply the policy to ``gate``; True if the caller must wait for ``gate.release``."""
        with self._cond:
            if not self._holds(gate):
                self._record_passage(gate)
                self._wake()
                return False
            gate.held = True
            self._held.add(gate)
            if gate.on_db_thread:
                self._settle.parked.add(gate.job)
            if self.mode is Mode.OTHERS and self._current is None:
                self._present(gate)
            else:
                # Others mode can hold two gates of the focused task at once (its own job
                # parked at a DB gate while it reaches another await): the second waits here.
                self._incoming.append(gate)
            self._cond.notify_all()
            return True

    def pass_through(self, gate: Gate) -> None:
        """Record a point that never holds (a task's end)."""
        with self._cond:
            self._record_passage(gate)
            self._wake()

    def abandon(self, gate: Gate) -> None:
        """A held task gate was cancelled under us (the task was cancelled while paused)."""
        with self._cond:
            for queue in (self._incoming, self._pending):
                if gate in queue:
                    queue.remove(gate)
            if self._current is gate:
                self._current = None
            gate.held = False
            self._held.discard(gate)
            self._cond.notify_all()

    def _holds(self, gate: Gate) -> bool:
        if self.stopping or self.mode not in HOLDING_MODES:
            return False
        return self.mode is not Mode.OTHERS or gate.task == self.focus

    def _record_passage(self, gate: Gate) -> None:
        in_step_list = self.mode in (Mode.STEP, Mode.PLAY, Mode.CONTINUE, Mode.FREE)
        if in_step_list or gate.task == self.focus:
            self._record_step(gate, paused=False)
        else:
            self.trace.add_event(
                Event(
                    step=self.trace.last_index,
                    kind=_STEP_TO_EVENT.get(gate.kind, EventKind.TASK_RESUME),
                    t=gate.t,
                    task=gate.task,
                    thread=gate.thread,
                    ref=gate.query,
                    line=gate.position.line,
                    text=gate.detail,
                )
            )

    def _record_step(self, gate: Gate, *, paused: bool) -> int:
        position = gate.position
        return self.trace.append_step(
            gate.kind,
            gate.task,
            gate.thread,
            position.line,
            position.func,
            position.locals,
            position.chain,
            gate.query,
            gate.t,
            paused,
            gate.detail,
        )

    def _present(self, gate: Gate) -> None:
        self._current = gate
        gate.step = self._record_step(gate, paused=True)

    # ------------------------------------------------------------ releases

    def _release(self, gate: Gate) -> None:
        if not gate.held:
            return
        gate.held = False
        self._held.discard(gate)
        if gate.step >= 0:  # a presented step: when it stopped pausing, for the lanes
            self.trace.released(gate.step, time.perf_counter() - self.t0)
        if gate.on_db_thread:
            self._settle.parked.discard(gate.job)
        if gate.release is not None:
            gate.release()

    def _release_all(self) -> None:
        for gate in (*self._ordered_incoming(), *self._pending):
            if gate.held:
                self._record_passage(gate)
            self._release(gate)
        self._incoming.clear()
        self._pending.clear()
        if self._current is not None:
            self._release(self._current)
            self._current = None
        for gate in tuple(self._held):  # anything held must never be left behind
            self._release(gate)

    def _ordered_incoming(self) -> list[Gate]:
        loop_gates = [g for g in self._incoming if not g.on_db_thread]
        # By job: jobs are numbered in dispatch order, on the loop, so this order is the
        # same on every run, whichever DB thread got to its gate first.
        db_gates = sorted((g for g in self._incoming if g.on_db_thread), key=lambda g: g.job)
        return loop_gates + db_gates

    def advance(self, timeout: float, after: int | None = None, *, release: bool = True) -> bool:
        """Release the current gate and wait for the next step (or the end of the run).

        Args:
            timeout: seconds to wait.
            after: wait for a step with a higher index than this (default: the
                last one recorded when called).
            release: False to wait without releasing the current gate (the run's first
                step may already be presented, in others mode, before anyone waits).

        Returns:
            True if a new step was recorded, False on timeout or at the end.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            before = self.trace.last_index if after is None else after
            if release and self._current is not None:
                self._release(self._current)
                self._current = None
            while True:
                if self.trace.last_index > before:
                    return True
                if self.mode in (Mode.STEP, Mode.PLAY) and self._settle.settled:
                    if self._incoming:
                        self._pending.extend(self._ordered_incoming())
                        self._incoming.clear()
                    if self._pending:
                        self._present(self._pending.pop(0))
                        return True
                if self.mode is Mode.OTHERS and self._current is None and self._incoming:
                    self._present(self._incoming.pop(0))
                    return True
                if self.trace.finished:
                    return False
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                # Steps recorded on the fast path do not notify; look again every 20 ms.
                self._cond.wait(min(remaining, 0.02))

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``predicate()`` holds; it is re-checked on every change and every 20 ms
        (events are appended without notifying, to keep the hot path cheap)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.02))
            return True

    def set_mode(self, mode: Mode) -> None:
        """Switch mode; gates that no longer hold under the new mode are released.

        Raises:
            ValueError: a run that holds nothing (free, continue) cannot hold again:
                its jobs were not counted, so step order could not be kept.
        """
        with self._cond:
            if self.never_holds and mode in HOLDING_MODES and not self.stopping:
                raise ValueError(f"a run in {self.mode} mode cannot switch to {mode} mode")
            self.mode = mode
            self._mode_changed()
            self._reapply_policy()

    def set_focus(self, task: int) -> None:
        with self._cond:
            self.focus = task
            self._reapply_policy()

    def _reapply_policy(self) -> None:
        if self.mode not in HOLDING_MODES:
            self._release_all()
        elif self.mode is Mode.OTHERS:
            keep = [g for g in (*self._ordered_incoming(), *self._pending) if self._holds(g)]
            for gate in (*self._ordered_incoming(), *self._pending):
                if gate not in keep:
                    self._record_passage(gate)
                    self._release(gate)
            self._incoming[:] = keep
            self._pending.clear()
            if self._current is not None and not self._holds(self._current):
                self._release(self._current)
                self._current = None
        self._cond.notify_all()

    def stop(self) -> None:
        """Release everything and never hold again."""
        with self._cond:
            self.stopping = True
            self._mode_changed()
            self._release_all()
            self._cond.notify_all()

    def notify_finished(self) -> None:
        with self._cond:
            self._cond.notify_all()

    # ------------------------------------------------------------ settling

    def _mode_changed(self) -> None:
        # Plain attributes, read on every await / loop iteration (no property calls there).
        holding = not self.stopping and self.mode in HOLDING_MODES
        self.never_holds = not holding
        self.tracks_settling = holding and self.mode is not Mode.OTHERS

    def _wake(self) -> None:
        """Wake waiters, unless nothing can hold: then they poll (every 20 ms) instead, since
        waking another thread on every await or query costs the traced program dearly."""
        if not self.never_holds:
            self._cond.notify_all()

    def loop_idle(self, idle: bool) -> None:
        with self._cond:
            self._settle.loop_idle = idle
            if idle:
                self._cond.notify_all()

    def kick_sent(self) -> None:
        with self._cond:
            self._settle.kicks_in_flight += 1

    def kick_arrived(self) -> None:
        with self._cond:
            self._settle.kicks_in_flight -= 1
            self._cond.notify_all()

    def job_queued(self, job: int, lane: Hashable, capacity: int) -> None:
        """On the loop: ``job`` was handed to ``lane`` (an executor with ``capacity`` workers)."""
        with self._cond:
            self._settle.jobs[job] = _Job(lane=lane)
            self._settle.capacity[lane] = capacity

    def job_running(self, job: int) -> None:
        """In the worker thread: ``job`` started."""
        with self._cond:
            state = self._settle.jobs.get(job)
            if state is not None:
                state.state = "running"

    def job_returning(self, job: int) -> None:
        """In the worker thread: ``job`` is done; its result is on its way to the loop."""
        with self._cond:
            state = self._settle.jobs.get(job)
            if state is not None:
                if state.delivered:
                    del self._settle.jobs[job]
                else:
                    state.state = "returning"
            self._wake()

    def job_back(self, job: int) -> None:
        """On the loop: ``job``'s result arrived, or its future was cancelled under it.

        A job still running in its thread (its awaiting task was cancelled) keeps
        its worker busy, so it stays counted until the thread is done with it.
        """
        with self._cond:
            state = self._settle.jobs.get(job)
            if state is not None:
                if state.state == "running":
                    state.delivered = True
                else:
                    del self._settle.jobs[job]
            self._wake()

    @property
    def has_current(self) -> bool:
        return self._current is not None
