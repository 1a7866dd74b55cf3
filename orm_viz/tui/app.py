"""The orm-viz app: compose the views, bind the keys, drive the Controller off the UI thread."""

from __future__ import annotations

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, TabbedContent, TabPane

from orm_viz.trace import Controller, Mode
from orm_viz.tui.replay import Replay
from orm_viz.tui.widgets import (
    ExecutionTable,
    FlowDiagram,
    SourceView,
    StatusLine,
    Transcript,
    VariableTracker,
)


class OrmVizApp(App[None]):
    """Steps through a live run (a Controller) or a saved one (a Replay), showing its views."""

    CSS_PATH = "app.tcss"
    TITLE = "orm-viz"
    # priority: the tables would otherwise take the arrows, home and end for their cursor.
    BINDINGS = [
        Binding("right,n", "step_forward", "Step", id="step", priority=True),
        Binding("left,p", "step_back", "Back", id="back", priority=True),
        Binding("o", "others", "Others run", id="others"),
        Binding("c", "continue", "Continue", id="continue"),
        Binding("home", "first", "First", id="first", show=False, priority=True),
        Binding("end", "last", "Last", id="last", show=False, priority=True),
        Binding("q", "quit", "Quit", id="quit", priority=True),
    ]

    def __init__(self, controller: Controller | Replay) -> None:
        super().__init__()
        self.controller = controller
        self.trace = controller.trace
        self.sub_title = self.trace.lesson.get("title") or self.trace.scenario.name

    def compose(self) -> ComposeResult:
        yield Header()
        yield FlowDiagram(id="flow")
        with TabbedContent(id="modes"):
            with TabPane("Lesson", id="lesson"), Horizontal(id="main"):
                yield SourceView(id="source")
                with Vertical(id="side"):
                    yield ExecutionTable(id="table")
                    yield VariableTracker(id="tracker")
            with TabPane("Transcript", id="transcript-tab"), VerticalScroll():
                yield Transcript(id="transcript")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_views()

    def refresh_views(self) -> None:
        trace = self.trace
        current = trace.current
        focus = self.controller.focused_task
        self.query_one(FlowDiagram).show(trace, focus)
        self.query_one(Transcript).show(trace)
        self.query_one(SourceView).show(trace, current.line if current else 0)
        self.query_one(ExecutionTable).show(trace, focus, current.index if current else -1)
        self.query_one(VariableTracker).show(trace, focus)
        self.query_one(StatusLine).show(trace, str(self.controller.mode), self.controller.live)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        trace = self.trace
        if action in ("step_back", "first"):
            return trace.cursor > trace.first_index
        if action == "step_forward":
            return not (trace.finished and trace.at_frontier)
        return True

    @work(thread=True, exclusive=True, group="controller")
    def action_step_forward(self) -> None:
        self.controller.step(timeout=30)
        self.call_from_thread(self.refresh_views)

    def action_step_back(self) -> None:
        self.controller.back()
        self.refresh_views()

    def action_first(self) -> None:
        self.controller.jump(self.trace.first_index)
        self.refresh_views()

    def action_last(self) -> None:
        self.controller.jump(self.trace.last_index)
        self.refresh_views()

    @work(thread=True, exclusive=True, group="controller")
    def action_others(self) -> None:
        if self.controller.mode in (Mode.STEP, Mode.PLAY, "replay"):
            self.controller.others_run()
        self.call_from_thread(self.refresh_views)

    @work(thread=True, exclusive=True, group="controller")
    def action_continue(self) -> None:
        self.controller.run_to_end(timeout=60)
        self.call_from_thread(self.refresh_views)

    async def action_quit(self) -> None:
        self.controller.stop(timeout=1.0)
        self.exit()
