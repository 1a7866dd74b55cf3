"""Widgets, each rendering one view of the trace (text from the run is never markup)."""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text
from textual.widgets import DataTable, Static

from orm_viz.trace.store import Trace
from orm_viz.views.lesson import transcript
from orm_viz.views.story import FLOW, Stage, execution_table, flow_stages, variable_tracker


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


class SourceView(Static):
    """The scenario's code, the current step's line highlighted."""

    HELP = "The code being run; the highlighted line is where the focused task is."

    def show(self, trace: Trace, line: int) -> None:
        focus = line or trace.scenario.first_line
        first = max(1, focus - 8)  # keep the current line in view, with context above it
        syntax = Syntax(
            trace.scenario.source,
            "python",
            line_numbers=True,
            line_range=(first, first + max(10, self.size.height)),
            highlight_lines={line} if line else set(),
            word_wrap=False,
            theme="ansi_dark",
        )
        self.update(syntax)


class ExecutionTable(DataTable):  # type: ignore[type-arg]
    """The focused task's execution table, the current row highlighted."""

    HELP = "One row per step of the focused task: the seed page's columns, observed."

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns("Step", "Action", "Awaited?", "Sent?", "Data?", "Result")

    def show(self, trace: Trace, task: int, current: int) -> None:
        self.clear()
        highlight = 0
        for index, row in enumerate(execution_table(trace, task)):
            self.add_row(
                Text(str(row.number) if row.number else "–"),
                Text(row.action),
                Text(_yes(row.awaited)),
                Text(_yes(row.query_sent)),
                Text(_yes(row.data_received)),
                Text(row.result[:80]),
            )
            if row.step != -1 and row.step <= current:
                highlight = index
        if self.row_count:
            self.move_cursor(row=highlight)


class VariableTracker(DataTable):  # type: ignore[type-arg]
    """Variables of the focused task at each step (unbound until assigned)."""

    HELP = "Each variable of the focused task at each step; * marks a change."

    def show(self, trace: Trace, task: int) -> None:
        self.clear(columns=True)
        tracker = variable_tracker(trace, task)
        self.add_columns("Step", *tracker.names, "Awaiting")
        for column, number in enumerate(tracker.columns):
            cells = []
            for name in tracker.names:
                cell = tracker.cells[name][column]
                cells.append(Text(("* " if cell.changed and cell.bound else "") + cell.text[:60]))
            self.add_row(
                Text(str(number) if number else "–"),
                *cells,
                Text(tracker.pending[column][:60] or "—"),
            )


class StatusLine(Static):
    """Step i of n, mode, latency, flow stage of every task, dropped steps."""

    def show(self, trace: Trace, mode: str, live: bool = True) -> None:
        current = trace.current
        state = (
            ("finished: " + trace.outcome if trace.finished else "live")
            if live
            else ("replaying a saved trace")
        )
        parts = [
            f"step {current.index + 2 if current else '–'} of {len(trace) + 1}",
            state,
            f"mode {mode}",
            f"latency {trace.settings.get('latency_ms', 0):g} ms (simulated)",
        ]
        if current is not None:
            stages = flow_stages(trace, current.index)
            parts.append(" ".join(f"T{t.task}:{t.stage.value}" for t in stages.values()))
        if trace.dropped_steps:
            parts.append(f"{trace.dropped_steps} early steps dropped")
        self.update(Text("  ·  ".join(parts)))


class FlowDiagram(Static):
    """The concept flow: one box per stage, each task's token in the box it is in now."""

    HELP = "Start → Send query → Wait (loop free) → Receive → Process → Return → End."

    def show(self, trace: Trace, focus: int) -> None:
        current = trace.current
        tokens = flow_stages(trace, current.index) if current is not None else {}
        now = current.t if current is not None else 0.0
        text = Text()
        for position, stage in enumerate((*FLOW, Stage.RAISED)):
            here = [t for t in tokens.values() if t.stage is stage]
            style = "bold reverse" if any(t.task == focus for t in here) else ""
            if stage is Stage.RAISED and not here:
                continue
            if position:
                text.append(" → ")
            text.append(f"[{stage.value}", style=style)
            for token in here:
                text.append(f" T{token.task}", style="bold" if token.task == focus else "dim")
                if stage is Stage.WAIT and token.thread:
                    text.append(f" ({token.thread}, waiting {now - token.since:.2f} s)")
            text.append("]", style=style)
        self.update(text)


class Transcript(Static):
    """The full transcript, one sentence per step; the current step marked."""

    HELP = "One plain sentence per step, generated from what the run recorded."

    def show(self, trace: Trace) -> None:
        current = trace.current
        marker = f"Step {current.index + 2}:" if current is not None else ""
        text = Text()
        for sentence in transcript(trace):
            style = "bold reverse" if marker and sentence.startswith(marker) else ""
            text.append(sentence + "\n", style=style)
        self.update(text)
