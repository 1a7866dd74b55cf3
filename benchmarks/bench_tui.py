"""The app's responsiveness: launch, key press → repaint at step 100,000, autoplay's pace.

1. Launch: ``orm-viz run seed_corrected`` in a real terminal (a private tmux server,
   160×48), from the launch command to the first screen capture that shows the lesson
   (its status line and execution table); the median of LAUNCHES launches, read every
   20 ms. Also q → the process has exited, and ``orm-viz --help`` wall time.
2. Key press → repainted screen at step 100,000: a real 100,000-step trace (as
   bench_memory.py records it) replayed in the app under ``App.run_test(size=(160, 48))``.
   A key is delivered as the terminal driver delivers it; the clock stops at the first
   compositor refresh whose output carries the new step's status line, with that refresh
   rendered to the bytes a terminal would be sent.
3. Key press → repainted screen while a live run grows past 100,000 steps
   (benchmarks/growing.py run to its end with c, a step every 5 ms after the first
   100,000): ``+`` and ``-`` change the speed shown in the status line; the clock stops at the
   first refresh that shows it. Also how many frames were painted a second meanwhile.
4. Autoplay at 4× keeps up: a saved trace played at speed 4; every compositor refresh is
   read for the step it shows: steps painted vs recorded, and the interval between them.

Budgets (DESIGN §6, §7): first painted frame <= 1.5 s median; ``orm-viz --help`` <= 0.3 s;
key press → repainted screen <= 50 ms median at the 100,000th step; q quits within 1 s;
autoplay paints every step, one per 0.25 s at speed 4.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench_memory import long_run  # the same 100,000-step run

from orm_viz.trace import LoopFactory
from orm_viz.trace.export import load_path
from orm_viz.trace.store import Trace

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "gather_serialized.json"
SIZE = (160, 48)
LAUNCHES = 7
HELP_RUNS = 7
ROUNDS = 15  # rounds of p, n, home, end at the end of the long trace
SPEED = 4.0
POLL = 0.02
STATUS = re.compile(r"step (\d+) of (\d+)")


# --------------------------------------------------------------------------- 1. launch


def orm_viz_command() -> list[str]:
    script = Path(sys.executable).parent / "orm-viz"
    return [str(script)] if script.exists() else [sys.executable, "-m", "orm_viz"]


def tmux(server: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    done = subprocess.run(
        ["tmux", "-L", server, "-f", "/dev/null", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=True,
    )
    return done.stdout


def launch_once(server: str, number: int, workdir: Path) -> tuple[float, float]:
    """Seconds from the launch command to the first lesson frame, and from q to the exit."""
    rc_file = workdir / f"rc{number}"
    command = (
        "env TERM=xterm-256color COLORTERM=truecolor "
        f"{shlex.join(orm_viz_command())} run seed_corrected; echo $? > {shlex.quote(str(rc_file))}"
    )
    session = f"launch{number}"
    size = ("-x", str(SIZE[0]), "-y", str(SIZE[1]))
    started = time.perf_counter()
    tmux(server, "new-session", "-d", "-s", session, *size, "-c", str(workdir), command)
    deadline = started + 60
    while True:
        screen = tmux(server, "capture-pane", "-p", "-t", session)
        if "Execution table" in screen and "step 2 of 2" in screen:
            break
        if time.perf_counter() > deadline:
            raise SystemExit(f"no lesson frame after 60 s:\n{screen}")
        time.sleep(POLL)
    painted = time.perf_counter() - started
    tmux(server, "send-keys", "-t", session, "q")
    pressed = time.perf_counter()
    while not (rc_file.exists() and rc_file.read_text().strip()):
        if time.perf_counter() > pressed + 30:
            raise SystemExit("orm-viz did not exit 30 s after q")
        time.sleep(POLL / 4)
    quit_time = time.perf_counter() - pressed
    status = rc_file.read_text().strip()
    if status != "0":
        raise SystemExit(f"orm-viz exited with status {status}")
    return painted, quit_time


def bench_launch() -> None:
    if shutil.which("tmux") is None:
        print("launch → first frame: skipped (tmux is not installed)")
    else:
        server = f"orm-viz-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        # The server starts before the clock does: a placeholder session keeps it up.
        tmux(server, "new-session", "-d", "-s", "placeholder", "cat")
        try:
            with tempfile.TemporaryDirectory() as workdir:
                runs = [launch_once(server, n, Path(workdir)) for n in range(LAUNCHES)]
        finally:
            socket = subprocess.run(
                ["tmux", "-L", server, "display", "-p", "#{socket_path}"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            subprocess.run(["tmux", "-L", server, "kill-server"], capture_output=True, check=False)
            if socket:
                Path(socket).unlink(missing_ok=True)  # tmux leaves the file behind
        firsts = [painted for painted, _ in runs]
        quits = [quit_time for _, quit_time in runs]
        print(
            f"launch → first painted frame (tmux {SIZE[0]}×{SIZE[1]}, {LAUNCHES} launches): "
            f"median {statistics.median(firsts):.2f} s, best {min(firsts):.2f} s, "
            f"worst {max(firsts):.2f} s  (budget <= 1.5 s median)"
        )
        print(
            f"q → process exited: median {statistics.median(quits) * 1000:.0f} ms, "
            f"worst {max(quits) * 1000:.0f} ms  (budget <= 1 s)"
        )

    command = [*orm_viz_command(), "--help"]
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    walls = []
    for _ in range(HELP_RUNS):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
    print(
        f"orm-viz --help wall time ({HELP_RUNS} runs): median {statistics.median(walls):.3f} s, "
        f"worst {max(walls):.3f} s  (budget <= 0.3 s)"
    )


# --------------------------------------------------------------------------- app helpers


class Frames:
    """Wraps ``app._display`` (called by every compositor refresh of the screen): renders
    the update to terminal bytes as a real driver would, and notes the step it shows."""

    def __init__(self, app: object) -> None:
        self.app = app
        self.shown: list[tuple[float, int]] = []  # (time, step number) of each status paint
        self.texts: list[str] = []  # the status line of each paint that showed one
        self.changed = asyncio.Event()
        original = app._display  # type: ignore[attr-defined]

        def display(screen: object, update: object) -> None:
            original(screen, update)
            render = getattr(update, "render_segments", None)
            if render is None:
                return
            data = render(app.console)  # type: ignore[attr-defined]
            at = time.perf_counter()
            found = STATUS.search(data)
            if found:
                self.shown.append((at, int(found.group(1))))
                line_end = data.find("\n", found.start())
                self.texts.append(data[found.start() : line_end if line_end >= 0 else None])
                self.changed.set()

        app._display = display  # type: ignore[attr-defined]

    async def until(self, number: int, since: int, limit: float = 30.0) -> float:
        """Time of the first paint at or after position ``since`` that shows step ``number``."""
        deadline = time.perf_counter() + limit
        while True:
            for at, shown in self.shown[since:]:
                if shown == number:
                    return at
            if time.perf_counter() > deadline:
                raise SystemExit(f"step {number} never painted; painted: {self.shown[since:]}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), timeout=1.0)

    async def next_paint(self, limit: float = 30.0) -> None:
        """Wait for the next paint that shows the status line."""
        self.changed.clear()
        await asyncio.wait_for(self.changed.wait(), timeout=limit)


def press(app: object, key: str) -> None:
    """Deliver a key the way the terminal driver does (not the pilot, which then waits
    for animations and idleness before returning)."""
    from textual import events

    character = {"plus": "+", "minus": "-"}.get(key, key if len(key) == 1 else None)
    app._driver.process_message(events.Key(key, character))  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- 2. keys


def long_trace() -> Trace:
    factory = LoopFactory(name="long_run")
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(long_run())
    return factory.trace


async def keys_at_the_end(trace: Trace) -> dict[str, list[float]]:
    from orm_viz.tui.app import OrmVizApp
    from orm_viz.tui.replay import Replay

    app = OrmVizApp(Replay(trace))
    first, last = trace.first_index + 2, trace.last_index + 2  # step numbers as shown
    timings: dict[str, list[float]] = {"p": [], "n": [], "home": [], "end": []}
    frames = Frames(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        mark = len(frames.shown)
        press(app, "end")
        await frames.until(last, mark)
        await pilot.pause()
        for _ in range(ROUNDS):
            for key, number in (("p", last - 1), ("n", last), ("home", first), ("end", last)):
                await pilot.wait_for_scheduled_animations()  # the previous key's work,
                await pilot.pause()  # its animation and refreshes are done
                mark = len(frames.shown)
                started = time.perf_counter()
                press(app, key)
                painted = await frames.until(number, mark)
                timings[key].append(painted - started)
        await pilot.press("q")
    return timings


def bench_keys() -> None:
    trace = long_trace()
    print(f"{len(trace):,} steps recorded, {trace.dropped_steps} dropped")
    timings = asyncio.run(keys_at_the_end(trace))
    every = [t for values in timings.values() for t in values]
    parts = ", ".join(
        f"{key} {statistics.median(values) * 1000:.1f}" for key, values in timings.items()
    )
    print(
        f"key press → repainted screen at step {trace.last_index + 2:,} ({ROUNDS} rounds): "
        f"median {statistics.median(every) * 1000:.1f} ms, worst {max(every) * 1000:.1f} ms"
        "  (budget <= 50 ms median)"
    )
    print(f"  median per key, ms: {parts}")


# --------------------------------------------------------------------------- 3. live growth


async def keys_while_growing() -> tuple[list[float], int, float, int]:
    from orm_viz.scenarios import load
    from orm_viz.session import start_scenario_run
    from orm_viz.tui.app import OrmVizApp

    controller = start_scenario_run(load(str(ROOT / "benchmarks" / "growing.py")))
    app = OrmVizApp(controller)
    timings: list[float] = []
    painted = 0
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            press(app, "c")
            trace = controller.trace
            while len(trace) < 100_000:  # noqa: ASYNC110 (another thread records it)
                await asyncio.sleep(0.05)
            frames = Frames(app)
            speed = re.compile(r"speed ([\d.]+)×")
            began, during = time.perf_counter(), len(trace)
            for round_ in range(ROUNDS * 2):
                key = "plus" if round_ % 2 == 0 else "minus"
                await asyncio.sleep(0.1)
                mark = len(frames.shown)
                started = time.perf_counter()
                press(app, key)
                wanted = "2" if key == "plus" else "1"
                while not any(
                    (found := speed.search(text)) and found.group(1) == wanted
                    for text in frames.texts[mark:]
                ):
                    await frames.next_paint()
                timings.append(time.perf_counter() - started)
            seconds = time.perf_counter() - began
            painted = len(frames.shown)
            grown = len(trace) - during
            await pilot.press("q")
    finally:
        controller.stop(timeout=2.0)
    return timings, painted, seconds, grown


def bench_growing() -> None:
    timings, painted, seconds, grown = asyncio.run(keys_while_growing())
    print(
        f"key press → repainted screen while a live run grows past 100,000 steps "
        f"({len(timings)} presses, {grown:,} steps recorded meanwhile): "
        f"median {statistics.median(timings) * 1000:.1f} ms, worst {max(timings) * 1000:.1f} ms"
    )
    print(f"  frames painted meanwhile: {painted / seconds:.1f} a second")


# --------------------------------------------------------------------------- 4. autoplay


async def autoplay(path: Path) -> tuple[Trace, list[tuple[float, int]], list[int]]:
    from orm_viz.tui.app import OrmVizApp
    from orm_viz.tui.lesson_screen import LessonScreen
    from orm_viz.tui.replay import Replay

    trace = load_path(path)
    app = OrmVizApp(Replay(trace), autoplay=True, speed=SPEED)
    states: list[int] = []  # the screen's state, polled every 10 ms
    frames = Frames(app)  # before the app starts: its first frame counts too
    async with app.run_test(size=SIZE) as pilot:
        last = trace.last_index + 2
        deadline = time.perf_counter() + 10 + len(trace) / SPEED * 3
        while time.perf_counter() < deadline:
            screen = app.screen
            state = screen.state if isinstance(screen, LessonScreen) else None
            if state is not None and (not states or states[-1] != state.number):
                states.append(state.number)
            if any(number == last for _, number in frames.shown) and not getattr(
                screen, "playing", True
            ):
                break
            await asyncio.sleep(0.01)
        await pilot.press("q")
    painted: list[tuple[float, int]] = []
    for at, number in frames.shown:
        if not painted or painted[-1][1] != number:
            painted.append((at, number))
    return trace, painted, states


def bench_autoplay() -> None:
    trace, painted, states = asyncio.run(autoplay(FIXTURE))
    recorded = list(range(trace.first_index + 2, trace.last_index + 3))
    shown = [number for _, number in painted]
    missing = sorted(set(recorded) - set(shown))
    intervals = [b - a for (a, _), (b, _) in itertools.pairwise(painted)]
    print(
        f"autoplay at {SPEED:g}× of {FIXTURE.name}: {len(set(shown) & set(recorded))} of "
        f"{len(recorded)} recorded steps painted"
        + (f" (never painted: {missing})" if missing else ", none skipped")
        + (", in order" if shown == sorted(shown) else f", out of order: {shown}")
    )
    print(f"  screen state seen (polled every 10 ms): {len(set(states))} of {len(recorded)} steps")
    if intervals:
        print(
            f"  interval between painted steps: mean {statistics.mean(intervals):.3f} s, "
            f"min {min(intervals):.3f} s, max {max(intervals):.3f} s"
            f"  (expected {1 / SPEED:.3f} s)"
        )
        print("  each interval, s: " + " ".join(f"{interval:.2f}" for interval in intervals))


def main() -> None:
    bench_launch()
    bench_keys()
    bench_growing()
    bench_autoplay()


if __name__ == "__main__":
    main()
