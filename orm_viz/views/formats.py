"""The lesson as text: a Rich table for terminals, Markdown for docs, JSON-ready data.

Everything from the run (locals, SQL, results) is data: Rich gets ``Text``
objects, never markup strings, and Markdown gets escaped text or code fences.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict
from io import StringIO
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from orm_viz.trace.records import EventKind
from orm_viz.trace.store import Trace
from orm_viz.views.lanes import blocked_stretches, lanes
from orm_viz.views.lesson import concept_snapshot, key_moments, quiz, transcript
from orm_viz.views.story import execution_table, flow_timeline, variable_tracker

TABLE_WIDTH = 100


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dropped_note(trace: Trace) -> str:
    """The trace is bounded: say how many early steps it no longer holds."""
    return (
        f"The first {trace.dropped_steps:,} steps were dropped (the trace keeps the last "
        f"{trace.max_steps:,}); their rows are not shown."
    )


def _title(trace: Trace) -> str:
    return str(trace.lesson.get("title") or trace.scenario.name)


# ------------------------------------------------------------------ Rich


def table_renderable(trace: Trace, task: int = 1) -> Group:
    """Execution table and variable tracker as Rich renderables (all cells are Text)."""
    table = Table(
        title=Text(f"Execution table: {_title(trace)}"),
        caption=Text("Awaited? · DB query sent? · Data received? · ms since the call"),
        box=box.SIMPLE_HEAD,
        expand=False,
        title_justify="left",
        caption_justify="left",
        pad_edge=False,
    )
    for header, options in (
        ("Step", {"justify": "right", "no_wrap": True}),
        ("Action", {"overflow": "fold", "ratio": 4}),
        ("Await", {"no_wrap": True}),
        ("Sent", {"no_wrap": True}),
        ("Data", {"no_wrap": True}),
        ("Result", {"overflow": "fold", "ratio": 3}),
        ("ms", {"justify": "right", "no_wrap": True}),
    ):
        table.add_column(Text(header), **options)  # type: ignore[arg-type]
    for row in execution_table(trace, task):
        table.add_row(
            Text(str(row.number) if row.number else "–"),
            Text(row.action),
            Text(_yes(row.awaited)),
            Text(_yes(row.query_sent)),
            Text(_yes(row.data_received)),
            Text(_clip(row.result, 90)),
            Text(f"{row.elapsed * 1000:.1f}"),
        )
    tracker = variable_tracker(trace, task)
    variables = Table(
        title=Text("Variable tracker (* = changed at this step)"),
        box=box.SIMPLE_HEAD,
        title_justify="left",
        pad_edge=False,
    )
    variables.add_column(Text("Step"), justify="right", no_wrap=True)
    for name in tracker.names:
        variables.add_column(Text(name), overflow="fold", ratio=2)
    variables.add_column(Text("Awaiting"), overflow="fold", ratio=3)
    for column, number in enumerate(tracker.columns):
        cells = []
        for name in tracker.names:
            cell = tracker.cells[name][column]
            mark = "* " if cell.changed and cell.bound else ""
            cells.append(Text(mark + _clip(cell.text, 60)))
        variables.add_row(
            Text(str(number) if number else "–"),
            *cells,
            Text(_clip(tracker.pending[column], 60) or "—"),
        )
    notes = [Text(dropped_note(trace))] if trace.dropped_steps else []
    warnings = notes + [
        Text(f"Warning: {e.text}" + (f" (line {e.line})" if e.line else ""))
        for e in trace.event_list()
        if e.kind is EventKind.WARNING
    ]
    return Group(table, variables, *warnings)


def render_table(
    trace: Trace, task: int = 1, *, color: bool = False, width: int = TABLE_WIDTH
) -> str:
    """The table format as a string, at most 100 columns wide.

    Args:
        trace: the run.
        task: the focused task.
        color: styled for a terminal; NO_COLOR in the environment always wins.
        width: the terminal's width; the table never takes more than 100 columns.
    """
    output = StringIO()
    console = Console(
        file=output,
        width=min(width, TABLE_WIDTH),
        color_system="standard" if color and not os.environ.get("NO_COLOR") else None,
        force_terminal=bool(color),
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(table_renderable(trace, task))
    return output.getvalue()


# ------------------------------------------------------------------ Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def md(text: str) -> str:
    """Escape ``text`` so Markdown shows it literally, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _code(text: str) -> str:
    """An inline code span that survives backticks inside ``text``."""
    text = " ".join(text.split())
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(trace: Trace, task: int = 1) -> str:
    """The whole lesson as one Markdown document."""
    out: list[str] = [f"# {md(_title(trace))}", ""]
    env = ", ".join(f"{k} {v}" for k, v in trace.environment.items() if k in ("python", "django"))
    out += [
        f"Traced run of {_code(trace.scenario.name)} ({md(env)}); outcome: {md(trace.outcome)}.",
        "",
    ]
    if trace.dropped_steps:
        out += [f"**{md(dropped_note(trace))}**", ""]
    snapshot = concept_snapshot(trace)
    if snapshot:
        out += ["## Concept snapshot", "", *[f"- {md(line)}" for line in snapshot], ""]
    fence = "```"
    while fence in trace.scenario.source:
        fence += "`"
    out += ["## The code", "", f"{fence}python", trace.scenario.source.rstrip("\n"), fence, ""]
    out += [
        "## Execution table",
        "",
        "| Step | Action | Awaited? | DB query sent? | Data received? | Result | Elapsed "
        "| SQL thread |",
        "|---:|---|---|---|---|---|---:|---|",
    ]
    for row in execution_table(trace, task):
        out.append(
            f"| {row.number or '–'} | {_code(row.action)} | {_yes(row.awaited)} "
            f"| {_yes(row.query_sent)} | {_yes(row.data_received)} | {md(row.result)} "
            f"| {row.elapsed * 1000:.1f} ms | {md(row.sql_thread) or '—'} |"
        )
    tracker = variable_tracker(trace, task)
    out += ["", "## Variable tracker", ""]
    out.append(
        "| Variable | " + " | ".join(f"Step {n}" if n else "Call" for n in tracker.columns) + " |"
    )
    out.append("|---|" + "---|" * len(tracker.columns))
    for name in tracker.names:
        cells = [
            (f"**{md(c.text)}**" if c.changed and c.bound else md(c.text))
            for c in tracker.cells[name]
        ]
        out.append(f"| {_code(name)} | " + " | ".join(cells) + " |")
    out.append("| *(awaiting)* | " + " | ".join(md(p) or "—" for p in tracker.pending) + " |")
    out += ["", "Bold: the value changed at that step. *unbound*: not assigned yet.", ""]
    out += ["## Lanes", ""]
    for lane in lanes(trace):
        if lane.kind == "db":
            hops = len(lane.intervals)
            busy = sum(i.end - i.start for i in lane.intervals) * 1000
            out.append(
                f"- DB thread {_code(lane.name)}: {hops} thread hop{'s' * (hops != 1)}, "
                f"busy {busy:.1f} ms"
            )
        elif lane.kind == "task":
            out.append(f"- Task {_code(lane.name)}: {len(lane.intervals)} stretches")
        else:
            blocks = blocked_stretches(trace)
            state = (
                f"blocked {len(blocks)} times (≥ 100 ms each)"
                if blocks
                else "never blocked ≥ 100 ms"
            )
            out.append(f"- Event loop {_code(lane.name)}: {state}")
    moments = key_moments(trace, task)
    if moments:
        out += ["", "## Key moments", ""]
        for moment in moments:
            where = f"step {moment.row}" if moment.row else "not reached in this run"
            out.append(f"- {md(moment.text)} (see {where})")
    questions = quiz(trace, task)
    if questions:
        out += ["", "## Quiz", ""]
        for number, question in enumerate(questions, start=1):
            out.append(f"{number}. {md(question.question)}")
            for letter, choice in zip("ABCDEFGH", question.choices, strict=False):
                out.append(f"   - {letter}. {md(choice)}")
            out.append(f"   - Answer: {question.answer_letter}. Hint: {md(question.hint)}")
    out += ["", "## Full transcript", ""]
    out += [f"{md(sentence)}  " for sentence in transcript(trace)]
    return "\n".join(out).rstrip() + "\n"


# ------------------------------------------------------------------ JSON


def views_data(trace: Trace, task: int = 1) -> dict[str, Any]:
    """Every derived view as JSON-ready data (added to ``--format json`` output)."""
    tracker = variable_tracker(trace, task)
    return {
        "focus_task": task,
        "execution_table": [asdict(row) for row in execution_table(trace, task)],
        "variable_tracker": {
            "columns": list(tracker.columns),
            "variables": {
                name: [asdict(cell) for cell in cells] for name, cells in tracker.cells.items()
            },
            "pending": list(tracker.pending),
        },
        "flow": [
            {
                "step": index,
                "changed": [
                    {"task": t.task, "stage": t.stage.value, "thread": t.thread, "query": t.query}
                    for t in changed.values()
                ],
            }
            for index, changed in flow_timeline(trace)
        ],
        "lanes": [
            {"name": lane.name, "kind": lane.kind, "intervals": [asdict(i) for i in lane.intervals]}
            for lane in lanes(trace)
        ],
        "key_moments": [asdict(moment) for moment in key_moments(trace, task)],
        "quiz": [asdict(question) for question in quiz(trace, task)],
        "concept_snapshot": concept_snapshot(trace),
        "transcript": transcript(trace),
    }
