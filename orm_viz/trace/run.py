"""A traced run in its own thread and loop, and the Controller that steps it.

The run thread owns everything of the run: an ``asyncio.Runner`` with a
:class:`TracingLoop`, the task factory set before the main task exists, and
the scenario inside its own asgiref ``ThreadSensitiveContext`` (as Django's
ASGI handler gives each request). Nothing here touches the UI's loop: the UI
calls the :class:`Controller` from its own thread, and reads the Trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ctypes
import gc
import itertools
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from orm_viz.trace import warnings_hook
from orm_viz.trace.gates import GateHub, Mode
from orm_viz.trace.instruments import Instrument
from orm_viz.trace.loop import TracingLoop, is_process_wide_executor
from orm_viz.trace.records import EventKind, Step
from orm_viz.trace.render import render_exception
from orm_viz.trace.store import DEFAULT_MAX_STEPS, ScenarioInfo, Trace
from orm_viz.trace.tracer import Phase, Tracer

_run_numbers = itertools.count(1)
POLITE_STOP_SHARE = 0.45  # of the stop timeout, before interrupting blocked threads


class RunStopped(BaseException):
    """Raised inside a run's threads when a stop cannot wait for them any longer."""


class TracedRun:
    """One traced execution of a coroutine function.

    Args:
        func: the coroutine function to run (the scenario's entry point).
        args: its positional arguments.
        scenario: what to show as the traced code.
        mode: the initial stepping mode.
        latency: simulated DB latency in seconds, slept in the DB thread.
        instruments: DB instruments (Django, aiosqlite) for this run.
        user_files: files whose frames count as user code (default: the scenario file).
        environment: versions etc. recorded with the trace.
        max_steps: steps kept before the earliest are dropped (and counted).
        on_finish: called on the run thread after everything is closed.
    """

    def __init__(
        self,
        func: Callable[..., Coroutine[Any, Any, Any]],
        args: Iterable[Any] = (),
        *,
        scenario: ScenarioInfo,
        mode: Mode = Mode.STEP,
        latency: float = 0.0,
        instruments: Iterable[Instrument] = (),
        user_files: Iterable[str] | None = None,
        environment: dict[str, str] | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
        on_finish: Callable[[TracedRun], None] | None = None,
    ) -> None:
        self._func = func
        self._args = tuple(args)
        self.trace = Trace(
            scenario=scenario, environment=dict(environment or {}), max_steps=max_steps
        )
        self.trace.settings.update({"mode": str(mode), "latency_ms": round(latency * 1000, 3)})
        self.hub = GateHub(trace=self.trace, mode=mode, focus=1)
        files = frozenset(user_files) if user_files is not None else frozenset({scenario.path})
        self.tracer = Tracer(
            trace=self.trace,
            hub=self.hub,
            user_files=files,
            latency=latency,
            instruments=list(instruments),
            phase=Phase.SETUP,
            entry_line=scenario.first_line,
        )
        self.error: BaseException | None = None
        self._on_finish = on_finish
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested = False
        self._finalizing = False
        self._stop_deadline = float("inf")
        self._thread = threading.Thread(
            target=self._main, name=f"orm-viz-loop-{next(_run_numbers)}", daemon=True
        )

    @property
    def loop_thread_name(self) -> str:
        return self._thread.name

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    # ------------------------------------------------------------ run thread

    def _make_loop(self) -> TracingLoop:
        loop = TracingLoop(self.tracer)
        self._loop = loop
        return loop

    def _main(self) -> None:
        outcome = "returned"
        warnings_hook.watch(self.tracer)
        try:
            with asyncio.Runner(loop_factory=self._make_loop) as runner:
                context = contextvars.copy_context()
                from asgiref.sync import ThreadSensitiveContext

                thread_context = ThreadSensitiveContext()
                runner.run(self._enter(thread_context), context=context)
                try:
                    outcome = self._run_scenario(runner, context)
                finally:
                    self.tracer.phase = Phase.TEARDOWN
                    self.hub.stop()
                    runner.run(self._close(thread_context), context=context)
        except RunStopped:
            outcome = "stopped"
        except BaseException as error:  # the tracer's own failure: keep it visible
            self.tracer.report_error("run thread", error)
            outcome = "tracer error"
        finally:
            # From here on stop() no longer interrupts this thread (only stuck workers), so
            # the trace is always finished, whatever happened above.
            self._finalizing = True
            try:
                self._finalize(outcome)
            except RunStopped:  # an interrupt sent just before the flag was set
                self._finalize(outcome, quick=True)

    def _finalize(self, outcome: str, *, quick: bool = False) -> None:
        if not quick:
            gc.collect()  # coroutines never awaited are reported now, on this run's thread
        warnings_hook.unwatch()
        self.tracer.call_instruments("run_closed")
        self._join_workers(deadline=min(time.monotonic() + 0.5, self._stop_deadline))
        self.trace.outcome = outcome
        if self._on_finish is not None:
            try:
                self._on_finish(self)
            except Exception as error:  # reported; the run still finishes
                self.tracer.report_error("on_finish", error)
        self.trace.finish(outcome)  # last: whoever waits for "finished" sees everything
        self.hub.notify_finished()

    def _run_scenario(self, runner: asyncio.Runner, context: contextvars.Context) -> str:
        if self._stop_requested:
            return "stopped"
        self.tracer.phase = Phase.SCENARIO
        try:
            # The value itself is not kept (the trace has it rendered): a coroutine returned
            # by mistake must be freed here, so its "never awaited" warning is seen.
            runner.run(self._func(*self._args), context=context)
        except asyncio.CancelledError:
            return "stopped" if self._stop_requested else "cancelled"
        except RunStopped:
            return "stopped"
        except BaseException as error:
            self.error = error
            return "raised"
        return "returned"

    async def _enter(self, thread_context: Any) -> None:
        await thread_context.__aenter__()
        self.tracer.call_instruments("run_context_entered")

    async def _close(self, thread_context: Any) -> None:
        for instrument in tuple(self.tracer.instruments):
            try:
                await asyncio.wait_for(instrument.run_closing(self.tracer), timeout=0.5)
            except Exception as error:
                self.tracer.report_error(f"{instrument.name}.run_closing", error)
        await thread_context.__aexit__(None, None, None)

    def _join_workers(self, deadline: float) -> None:
        for executor in self.tracer.executors:
            if not is_process_wide_executor(executor):
                executor.shutdown(wait=False, cancel_futures=True)
        for thread, persistent in tuple(self.tracer.workers.values()):
            if not persistent:
                thread.join(max(0.0, deadline - time.monotonic()))

    # ------------------------------------------------------------ stopping

    def stop(self, timeout: float = 1.0) -> bool:
        """Release every gate, cancel what is left, close connections, join the thread.

        If the scenario blocks its loop (or a worker thread) in Python code, the
        blocked thread is interrupted with :class:`RunStopped` after part of the
        timeout. A thread stuck inside a single C call (``time.sleep(3600)``)
        cannot be interrupted; it is a daemon thread, so it never keeps the
        process alive, and this returns False.

        Returns:
            True if the run thread and its workers ended within ``timeout``.
        """
        deadline = time.monotonic() + timeout
        self._stop_deadline = deadline
        self._stop_requested = True
        self.tracer.stop()
        loop = self._loop
        if loop is not None and not loop.is_closed() and self.tracer.phase is Phase.SCENARIO:
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(_cancel_all_tasks, loop)
        if not self._thread.is_alive() and self._thread.ident is None:
            return True  # never started
        self._thread.join(timeout * POLITE_STOP_SHARE)
        if self._thread.is_alive():
            self.tracer.event(EventKind.WARNING, text="stop: interrupting a blocked thread")
            blocked: list[int | None] = list(self.tracer.busy_workers())
            if not self._finalizing:
                blocked.append(self._thread.ident)
            for ident in blocked:
                if ident is not None:
                    _interrupt(ident)
        self._thread.join(max(0.0, deadline - time.monotonic()))
        return not self._thread.is_alive()


def _cancel_all_tasks(loop: asyncio.AbstractEventLoop) -> None:
    for task in asyncio.all_tasks(loop):
        task.cancel()


def _interrupt(thread_ident: int) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_ident), ctypes.py_object(RunStopped)
    )


class Controller:
    """Drives a TracedRun: step, back, jump, others-run, play, continue, stop.

    Stepping forward moves the trace's cursor over recorded steps; at the
    frontier it releases the next gate and waits for the next step.
    """

    def __init__(self, run: TracedRun) -> None:
        self.run = run
        self.trace: Trace = run.trace
        self.hub: GateHub = run.hub
        self._player: threading.Thread | None = None
        self._playing = threading.Event()
        self._paused = threading.Event()
        self.interval = 0.5

    def __enter__(self) -> Controller:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def mode(self) -> Mode:
        return self.hub.mode

    @property
    def finished(self) -> bool:
        return self.trace.finished

    @property
    def focused_task(self) -> int:
        return self.hub.focus

    @property
    def live(self) -> bool:
        return True

    def clock(self) -> float:
        """Seconds since the run started (it keeps running while a task is paused)."""
        return self.run.tracer.clock()

    def start(self, timeout: float = 30.0) -> Step | None:
        """Start the run and wait for its first step."""
        self.run.start()
        self.hub.advance(timeout, after=-1, release=False)
        return self.trace.jump(self.trace.first_index)

    def step(self, timeout: float = 30.0) -> Step | None:
        """One step forward: over recorded steps, then by releasing the next gate.

        Returns:
            The new current step, or None when there is nothing further (the
            run ended) or nothing happened within ``timeout``.
        """
        if self.trace.cursor < self.trace.last_index:
            return self.trace.forward()
        if self.trace.finished:
            return None
        if self.hub.advance(timeout):
            return self.trace.forward()
        return None

    def back(self) -> Step | None:
        return self.trace.back()

    def jump(self, index: int) -> Step | None:
        return self.trace.jump(index)

    def set_mode(self, mode: Mode) -> None:
        if mode is not Mode.PLAY:
            self.pause()
        self.hub.set_mode(mode)
        self.trace.settings["mode"] = str(mode)

    def focus(self, task_id: int) -> None:
        self.hub.set_focus(task_id)

    def others_run(self) -> None:
        """Hold only the focused task and its queries; every other coroutine runs free."""
        self.set_mode(Mode.OTHERS)

    def run_to_end(self, timeout: float = 60.0) -> bool:
        """Stop holding anything and wait for the run to finish."""
        self.set_mode(Mode.CONTINUE)
        finished = self.hub.wait_until(lambda: self.trace.finished, timeout)
        self.trace.jump(self.trace.last_index)
        return finished

    def play(self, interval: float = 0.5) -> None:
        """Release one gate every ``interval`` seconds until paused or finished."""
        self.interval = interval
        if self._player is not None and self._player.is_alive():
            return
        self.hub.set_mode(Mode.PLAY)
        self._paused.clear()
        self._playing.set()
        self._player = threading.Thread(target=self._play, name="orm-viz-player", daemon=True)
        self._player.start()

    def _play(self) -> None:
        while self._playing.is_set() and not self.trace.finished:
            self.step(timeout=max(self.interval, 0.05))
            if self._paused.wait(self.interval):  # a pause wakes this at once
                break
        self._playing.clear()

    def pause(self) -> None:
        self._paused.set()
        if self._playing.is_set():
            self._playing.clear()
            if self.hub.mode is Mode.PLAY:
                self.hub.set_mode(Mode.STEP)
        if self._player is not None and self._player is not threading.current_thread():
            self._player.join(timeout=2.0)
            self._player = None

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop the run; see :meth:`TracedRun.stop`."""
        self._playing.clear()
        self._paused.set()
        return self.run.stop(timeout)

    def outcome_text(self) -> str:
        if self.run.error is not None:
            return render_exception(self.run.error)
        return self.trace.outcome
