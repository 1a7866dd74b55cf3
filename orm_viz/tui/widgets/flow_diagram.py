"""The concept flow: one box per stage, one token per task sliding between them."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from orm_viz.tui.state import ViewState
from orm_viz.views.story import FLOW, Stage, Token

_ORDER = (*FLOW, Stage.RAISED)
_SHORT = {
    Stage.START: "Start",
    Stage.SEND_QUERY: "Send",
    Stage.WAIT: "Wait",
    Stage.RECEIVE: "Recv",
    Stage.PROCESS: "Python",
    Stage.RETURN: "Return",
    Stage.END: "End",
    Stage.RAISED: "Raised",
}


class FlowDiagram(Widget):
    """Start → Send query → Wait (loop free) → Receive data → Process → Return → End."""

    HELP = (
        "Where every task is in the life of an ORM call. The bright token is the focused "
        "task; while it waits, the Wait box shows for how long and which thread runs its SQL."
    )
    COMPONENT_CLASSES = {
        "flow-diagram--box",
        "flow-diagram--here",
        "flow-diagram--token",
        "flow-diagram--focus",
        "flow-diagram--raised",
        "flow-diagram--detail",
    }
    DEFAULT_CSS = """
    FlowDiagram { height: 6; }
    FlowDiagram > .flow-diagram--box { color: $text-muted; }
    FlowDiagram > .flow-diagram--here { color: $text; text-style: bold; }
    FlowDiagram > .flow-diagram--token { color: $text-muted; }
    FlowDiagram > .flow-diagram--focus { color: $text-primary; text-style: bold; }
    FlowDiagram > .flow-diagram--raised { color: $text-error; text-style: bold; }
    FlowDiagram > .flow-diagram--detail { color: $text-muted; }
    """

    state: reactive[ViewState | None] = reactive(None)
    progress: reactive[float] = reactive(1.0)
    now: reactive[float] = reactive(0.0)  # the run's clock, for the Wait timer

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tokens: dict[int, Token] = {}
        self._start: dict[int, float] = {}  # task -> position the slide starts from
        self._end: dict[int, float] = {}  # task -> position it slides to
        self._run = -1

    def watch_state(self, state: ViewState | None) -> None:
        if state is None:
            return
        tokens = state.story.tokens(state.index) if state.index >= 0 else {}
        shown = self.positions()
        if state.run != self._run:
            shown, self._run = {}, state.run
        self._tokens = tokens
        self._end = {task: float(_ORDER.index(t.stage)) for task, t in tokens.items()}
        self._start = {task: shown.get(task, self._end[task]) for task in tokens}
        moved = any(self._start[t] != self._end[t] for t in tokens)
        if moved and self.app.animation_level != "none":
            self.progress = 0.0
            self.animate("progress", 1.0, duration=0.35, easing="out_cubic", level="basic")
        else:
            self.progress = 1.0
            self.refresh()

    def watch_progress(self) -> None:
        self.refresh()

    def watch_now(self) -> None:
        if self._has(Stage.WAIT):
            self.refresh()

    def positions(self) -> dict[int, float]:
        """Where each token is drawn now (a float between stage boxes while sliding)."""
        p = self.progress
        return {
            task: self._start.get(task, end) + (end - self._start.get(task, end)) * p
            for task, end in self._end.items()
        }

    def render(self) -> Text:
        state = self.state
        width = max(self.size.width, 40)
        stages = [s for s in _ORDER if s is not Stage.RAISED or self._has(Stage.RAISED)]
        gap = 3  # " → "
        box = max(6, (width - gap * (len(stages) - 1)) // len(stages))
        focus = state.focus if state is not None else 1
        style_box = self.get_component_rich_style("flow-diagram--box")
        style_here = self.get_component_rich_style("flow-diagram--here")
        focused_stage = self._tokens[focus].stage if focus in self._tokens else None
        lines = [Text(), Text(), Text()]
        for number, stage in enumerate(stages):
            label = stage.value if box - 4 >= len(stage.value) else _SHORT[stage]
            label = label[: box - 2]
            here = stage is focused_stage
            style = style_here if here else style_box
            if stage is Stage.RAISED:
                style = self.get_component_rich_style("flow-diagram--raised")
            edge = "━" if here else "─"
            corners = ("┏", "┓", "┗", "┛", "┃") if here else ("╭", "╮", "╰", "╯", "│")
            if number:
                for line, sep in zip(lines, ("   ", " → ", "   "), strict=True):
                    line.append(sep, style_box)
            lines[0].append(corners[0] + edge * (box - 2) + corners[1], style)
            lines[1].append(corners[4] + label.center(box - 2) + corners[4], style)
            lines[2].append(corners[2] + edge * (box - 2) + corners[3], style)
        track = self._track(width, box, gap, stages, focus)
        detail = self._detail(state, width, box, gap, stages)
        return Text("\n").join([*lines, track, detail])

    def _has(self, stage: Stage) -> bool:
        return any(t.stage is stage for t in self._tokens.values())

    def _track(self, width: int, box: int, gap: int, stages: list[Stage], focus: int) -> Text:
        """Tokens on a line under the boxes, at their (possibly sliding) positions."""
        cells: list[tuple[str, Style]] = [(" ", Style())] * width
        plain = self.get_component_rich_style("flow-diagram--token")
        bright = self.get_component_rich_style("flow-diagram--focus")
        by_slot: dict[int, list[int]] = {}
        for task, position in sorted(self.positions().items()):
            stage_index = min(position, len(stages) - 1)
            center = int(stage_index * (box + gap) + box / 2)
            by_slot.setdefault(center, []).append(task)
        for center, tasks in by_slot.items():
            label = " ".join(f"●T{t}" for t in tasks)
            start = max(0, min(width - len(label), center - len(label) // 2))
            offset = 0
            for task in tasks:
                word = f"●T{task}"
                for i, char in enumerate(word):
                    if start + offset + i < width:
                        cells[start + offset + i] = (char, bright if task == focus else plain)
                offset += len(word) + 1
        text = Text()
        for char, style in cells:
            text.append(char, style)
        return text

    def _detail(
        self, state: ViewState | None, width: int, box: int, gap: int, stages: list[Stage]
    ) -> Text:
        """Under the Wait box: how long the focused (or first) waiting task has waited, and
        the thread running its SQL; the time keeps running while the app pauses the run."""
        waiting = [t for t in self._tokens.values() if t.stage is Stage.WAIT]
        if state is None or not waiting:
            return Text("")
        # The focused task's wait if it waits on SQL itself, else one that does (a task
        # waiting on gather waits through its children).
        token = next(
            (t for t in waiting if t.task == state.focus and t.thread),
            next((t for t in waiting if t.thread), waiting[0]),
        )
        waited = max(0.0, self.now - token.since)
        where = f" · SQL in {token.thread}" if token.thread else ""
        text = f"T{token.task} waiting {waited:.2f} s{where}"
        left = stages.index(Stage.WAIT) * (box + gap)
        left = max(0, min(left, width - len(text)))
        return Text(
            " " * left + text[:width], self.get_component_rich_style("flow-diagram--detail")
        )
