"""Command line: ``orm-viz list`` and ``orm-viz trace TARGET``.

Nothing heavy is imported at module level, so ``orm-viz --help`` is instant;
Django is configured only when a scenario is loaded. Bad input gets one line
on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from orm_viz.trace.store import Trace

EXIT_BAD_INPUT = 2
EXIT_TIMEOUT = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"orm-viz: {message} (see orm-viz --help)\n")


def _fail(message: str) -> int:
    print(f"orm-viz: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _latency(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--latency takes milliseconds, not {text!r}") from None
    if not 0 <= value <= 60_000:
        raise argparse.ArgumentTypeError("--latency must be between 0 and 60000 ms")
    return value


def _speed(text: str) -> float:
    from orm_viz.tui.state import SPEEDS  # a light module: no Textual import

    try:
        value = float(text.rstrip("x×"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--speed takes a factor like 2, not {text!r}") from None
    if value not in SPEEDS:
        choices = ", ".join(f"{s:g}" for s in SPEEDS)
        raise argparse.ArgumentTypeError(f"--speed must be one of {choices}")
    return value


def _keymap(text: str) -> dict[str, str]:
    """``step=j,back=k`` → {"step": "j", "back": "k"} (binding ids, see the help panel)."""
    found = {}
    for pair in filter(None, (p.strip() for p in text.split(";" if ";" in text else ","))):
        name, sep, keys = pair.partition("=")
        if not sep or not name.strip() or not keys.strip():
            raise argparse.ArgumentTypeError(f"--keys takes id=key pairs, not {pair!r}")
        found[name.strip()] = keys.strip()
    return found


def _add_app_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--autoplay", action="store_true", help="play hands-free from the start (for recordings)"
    )
    parser.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        metavar="X",
        help="playback speed: 0.25, 0.5, 1, 2 or 4 steps per second (default 1)",
    )
    parser.add_argument(
        "--exit-at-end",
        action="store_true",
        help="with --autoplay: quit two seconds after the last step",
    )
    parser.add_argument(
        "--keys",
        type=_keymap,
        default=None,
        metavar="ID=KEY,...",
        help="remap keys by binding id, e.g. step=j,back=k (ids: step back play others "
        "continue focus faster slower first last restart view quit help theme screenshot)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="orm-viz",
        description="Watch real Django async ORM code run, one await at a time.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    commands.add_parser("list", help="list the bundled scenarios")

    run = commands.add_parser(
        "run",
        help="open TARGET in the full-screen app and step through it",
        description="Run TARGET in the app, holding at every await: step with → or n, back "
        "with ← or p, let the others run with o, continue with c, quit with q.",
    )
    run.add_argument(
        "target", metavar="TARGET", help="a bundled name or path/to/file.py[:function]"
    )
    run.add_argument(
        "--latency",
        type=_latency,
        default=None,
        metavar="MS",
        help="simulated DB latency per query, slept in the DB thread (default: the scenario's)",
    )

    _add_app_options(run)
    replay = commands.add_parser(
        "replay",
        help="open a saved trace (orm-viz trace ... --format json -o FILE) in the app",
        description="Step through a saved trace: nothing runs, no database is needed.",
    )
    replay.add_argument("file", metavar="FILE.json", help="a trace saved as JSON")
    _add_app_options(replay)

    trace = commands.add_parser(
        "trace",
        help="run a scenario to the end and print its trace",
        description="Run TARGET under the tracer, on a fresh copy of the demo database, "
        "and print what happened.",
    )
    trace.add_argument(
        "target",
        metavar="TARGET",
        help="a bundled scenario name, path/to/file.py[:function], or a saved trace.json",
    )
    trace.add_argument(
        "--format",
        choices=["table", "markdown", "json"],
        default="table",
        help="table: execution table and variable tracker; markdown: the whole lesson; "
        "json: the trace and every derived view (default: table)",
    )
    trace.add_argument(
        "--focus",
        type=int,
        default=1,
        metavar="TASK",
        help="the task whose story to tell (default 1)",
    )
    trace.add_argument(
        "--latency",
        type=_latency,
        default=None,
        metavar="MS",
        help="simulated DB latency per query, slept in the DB thread (default: the scenario's)",
    )
    trace.add_argument(
        "--mode",
        choices=["step", "others", "free"],
        default="step",
        help="step: hold every gate (deterministic order); others: hold only the main "
        "coroutine, the rest run free; free: hold nothing",
    )
    trace.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    trace.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        metavar="S",
        help="stop the run after S seconds (default 120)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader stopped reading (`orm-viz list | head -1`): not an error of ours.
        # Point stdout at devnull so the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "list":
        return _list()
    if args.command == "trace":
        return _trace(args)
    if args.command == "run":
        return _run_app(args)
    if args.command == "replay":
        return _replay(args)
    if not _has_terminal():
        parser.print_help()
        print("\nBundled scenarios:")
        _list()
        return 0
    return _picker()


def _has_terminal() -> bool:
    """The app needs a terminal on both ends (Textual without one waits forever)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _app_options(args: argparse.Namespace) -> dict[str, object]:
    return {
        "autoplay": args.autoplay,
        "speed": args.speed,
        "exit_at_end": args.exit_at_end,
        "keymap": args.keys,
    }


def _open_target(latency_ms: float | None) -> object:
    def open_target(target: str) -> object:
        from orm_viz.scenarios import load
        from orm_viz.session import start_scenario_run

        return start_scenario_run(load(target), latency_ms=latency_ms)

    return open_target


def _picker() -> int:
    from orm_viz.scenarios import bundled_summaries
    from orm_viz.tui.app import OrmVizApp

    app = OrmVizApp(open_target=_open_target(None), summaries=bundled_summaries())  # type: ignore[arg-type]
    try:
        app.run()
    finally:
        app.stop_runs()
    return 0


def _list() -> int:
    from orm_viz.scenarios import bundled_titles

    rows = bundled_titles()
    width = max((len(name) for name, _ in rows), default=0)
    for name, title in rows:
        print(f"  {name:<{width}}  {title}")
    return 0


def _trace(args: argparse.Namespace) -> int:
    output = Path(args.output) if args.output else None
    if output is not None and output.is_dir():
        return _fail(f"--output {output} is a directory")
    if args.target.endswith(".json"):
        from orm_viz.trace.export import TraceFormatError, load_path

        try:
            trace = load_path(args.target)
        except TraceFormatError as error:
            return _fail(str(error))
        status = 0
    else:
        found = _run_to_end(args)
        if isinstance(found, int):
            return found
        trace, status = found
    if args.focus not in trace.tasks:
        return _fail(f"--focus {args.focus}: the run has tasks {sorted(trace.tasks)}")
    text = _formatted(trace, args.format, args.focus, styled=output is None)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            return _fail(f"cannot write {output}: {error.strerror}")
    else:
        sys.stdout.write(text)
    return status


def _run_app(args: argparse.Namespace) -> int:
    from orm_viz.db.demo import DemoDatabaseError
    from orm_viz.scenarios import ScenarioError, load
    from orm_viz.session import start_scenario_run

    try:
        scenario = load(args.target)
        if not _has_terminal():
            return _fail("orm-viz run needs a terminal; orm-viz trace prints the same run as text")
        controller = start_scenario_run(scenario, latency_ms=args.latency)
    except (ScenarioError, DemoDatabaseError) as error:
        return _fail(str(error))
    from orm_viz.tui.app import OrmVizApp

    app = OrmVizApp(
        controller,
        target=args.target,
        open_target=_open_target(args.latency),  # type: ignore[arg-type]
        **_app_options(args),  # type: ignore[arg-type]
    )
    try:
        app.run()
    finally:
        app.stop_runs()  # also a restarted run, and whatever an exception left behind
        controller.stop()
    return 0


def _replay(args: argparse.Namespace) -> int:
    from orm_viz.trace.export import TraceFormatError, load_path

    try:
        trace = load_path(args.file)
    except TraceFormatError as error:
        return _fail(str(error))
    if not _has_terminal():
        return _fail("orm-viz replay needs a terminal; orm-viz trace FILE.json prints it as text")
    from orm_viz.tui.app import OrmVizApp
    from orm_viz.tui.replay import Replay

    OrmVizApp(Replay(trace), **_app_options(args)).run()  # type: ignore[arg-type]
    return 0


def _run_to_end(args: argparse.Namespace) -> tuple[Trace, int] | int:
    """Run the target scenario under the tracer; (trace, exit status) or an error status."""
    import time

    from orm_viz.db.demo import DemoDatabaseError
    from orm_viz.scenarios import ScenarioError, load
    from orm_viz.session import start_scenario_run
    from orm_viz.trace import Mode

    try:
        scenario = load(args.target)
        controller = start_scenario_run(scenario, mode=Mode(args.mode), latency_ms=args.latency)
    except (ScenarioError, DemoDatabaseError) as error:
        return _fail(str(error))
    deadline = time.monotonic() + args.timeout
    try:
        while not controller.finished and time.monotonic() < deadline:
            controller.step(timeout=max(0.0, deadline - time.monotonic()))
    finally:
        stopped_cleanly = controller.stop()
    status = 0
    if controller.trace.outcome == "stopped":
        print(
            f"orm-viz: {scenario.name} did not finish within {args.timeout:g} s; "
            "this is the trace so far",
            file=sys.stderr,
        )
        status = EXIT_TIMEOUT
    from orm_viz.trace import EventKind

    for event in controller.trace.event_list():
        if event.kind is EventKind.RECORDER_ERROR and event.text.startswith("scenario quiz"):
            return _fail(f"{scenario.name}: {event.text.removeprefix('scenario quiz: ')}")
    if not stopped_cleanly:
        print(
            "orm-viz: a thread of the run could not be stopped (blocked in a C call)",
            file=sys.stderr,
        )
    return controller.trace, status


def _formatted(trace: Trace, kind: str, focus: int, *, styled: bool) -> str:
    if kind == "json":
        import json

        from orm_viz.trace.export import trace_to_dict
        from orm_viz.views.formats import views_data

        data = trace_to_dict(trace)
        data["views"] = views_data(trace, focus)
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if kind == "markdown":
        from orm_viz.views.formats import render_markdown

        return render_markdown(trace, focus)
    from orm_viz.views.formats import render_table

    terminal = styled and sys.stdout.isatty()
    width = shutil.get_terminal_size().columns if terminal else 100
    return render_table(
        trace, focus, color=terminal and not os.environ.get("NO_COLOR"), width=width
    )


if __name__ == "__main__":
    sys.exit(main())
