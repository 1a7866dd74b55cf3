"""The lesson: every panel on one run, and the keys that drive it.

All run control happens in thread workers (a step may wait for the run to
settle); the screen then takes one new :class:`ViewState` and every panel
renders it through ``data_bind``.
"""

from __future__ import annotations

import threading

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane
from textual.worker import get_current_worker

from orm_viz.tui.driver import Driver, Opener
from orm_viz.tui.state import BASE_INTERVAL, SPEEDS, ViewState
from orm_viz.tui.widgets import (
    ExecutionTable,
    FlowDiagram,
    KeyMomentsPanel,
    QueryDetail,
    QuizPanel,
    SnapshotPanel,
    SourceView,
    StatusLine,
    TaskLanes,
    TranscriptView,
    VariableTracker,
)
from orm_viz.views.window import StoryIndex

VIEWS = ("lesson", "moments", "quiz", "snapshot", "transcript")
# On a small terminal the lesson shows one panel at a time: the parts each one needs.
PANELS = {
    "source": ("main", "source"),
    "table": ("main", "side", "table", "sql"),
    "tracker": ("main", "side", "tracker"),
    "lanes": ("lanes",),
}
PARTS = ("main", "source", "side", "table", "sql", "tracker", "lanes")
NARROW = (120, 36)  # below this width or height, the lesson's panels become tabs
HOLD_AT_END = 2.0  # seconds the last frame stays up with --exit-at-end


class LessonScreen(Screen[None]):
    """One scenario's run (or a saved trace) in every view of the seed page."""

    BINDINGS = [
        Binding(
            "right,n",
            "step_forward",
            "Step",
            id="step",
            priority=True,
            tooltip="Release the next gate (or move over recorded steps)",
        ),
        Binding(
            "left,p",
            "step_back",
            "Back",
            id="back",
            priority=True,
            tooltip="Move back over recorded steps; the run stays where it is",
        ),
        Binding("space", "play", "Play/Pause", id="play", priority=True),
        Binding(
            "o",
            "others",
            "Others run",
            id="others",
            tooltip="Hold only the focused task; every other coroutine runs freely",
        ),
        Binding("c", "continue", "Continue", id="continue", tooltip="Run to the end"),
        Binding("f", "cycle_focus", "Focus", id="focus", tooltip="Follow the next task"),
        Binding("plus,equals_sign", "speed(1)", "Faster", id="faster"),
        Binding("minus", "speed(-1)", "Slower", id="slower"),
        Binding("home", "first", "First", id="first", show=False, priority=True),
        Binding("end", "last", "Last", id="last", show=False, priority=True),
        Binding(
            "r",
            "restart",
            "Restart",
            id="restart",
            tooltip="Run again from the start on a fresh copy of the database",
        ),
        Binding("tab", "switch_view(1)", "View", id="view", priority=True),
        Binding(
            "shift+tab",
            "switch_view(-1)",
            "Previous view",
            id="view_back",
            show=False,
            priority=True,
        ),
        Binding("escape", "leave", "Scenarios", id="leave", show=False),
        # The table's own keys, for when no panel has the focus.
        Binding("up", "table_row(-1)", "Row up", id="row_up", show=False),
        Binding("down", "table_row(1)", "Row down", id="row_down", show=False),
        Binding("enter", "table_choose", "Go to row", id="row_choose", show=False),
    ]

    state: reactive[ViewState | None] = reactive(None)
    now: reactive[float] = reactive(0.0)

    def __init__(
        self,
        driver: Driver,
        opener: Opener | None = None,
        *,
        autoplay: bool = False,
        speed: float = 1.0,
        exit_at_end: bool = False,
    ) -> None:
        super().__init__()
        self.driver = driver
        self.opener = opener
        self.story = StoryIndex(driver.trace)
        self.run_number = 0
        self.speed = speed
        self.autoplay = autoplay
        self.exit_at_end = exit_at_end
        self.panel = 0  # which lesson panel shows on a small terminal
        self.playing = False
        self.closing = False  # the run is being stopped: nothing more to show
        self._wake = threading.Event()

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        yield FlowDiagram(id="flow").data_bind(LessonScreen.state, LessonScreen.now)
        with TabbedContent(id="views", initial="lesson"):
            with TabPane("Lesson", id="lesson"):
                with Horizontal(id="main"):
                    yield SourceView(id="source").data_bind(LessonScreen.state)
                    with Vertical(id="side"):
                        yield ExecutionTable(id="table").data_bind(LessonScreen.state)
                        yield QueryDetail(id="sql").data_bind(LessonScreen.state)
                        yield VariableTracker(id="tracker").data_bind(LessonScreen.state)
                yield TaskLanes(id="lanes").data_bind(LessonScreen.state)
            with TabPane("Key moments", id="moments"):
                yield KeyMomentsPanel(id="moment-list").data_bind(LessonScreen.state)
            with TabPane("Quiz", id="quiz"):
                yield QuizPanel(id="quiz-panel").data_bind(LessonScreen.state)
            with TabPane("Snapshot", id="snapshot"):
                yield SnapshotPanel(id="snapshot-panel").data_bind(LessonScreen.state)
            with TabPane("Transcript", id="transcript"), VerticalScroll(id="transcript-scroll"):
                yield TranscriptView(id="transcript-text").data_bind(LessonScreen.state)
        yield StatusLine(id="status").data_bind(LessonScreen.state)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#source").border_title = "Execution sample"
        self.query_one("#table").border_title = "Execution table"
        self.query_one("#sql").border_title = "SQL of the highlighted row"
        self.query_one("#tracker").border_title = "Variable tracker"
        self.query_one("#lanes").border_title = "Lanes"
        self.sub_title = self.driver.trace.lesson.get("title") or self.driver.trace.scenario.name
        self.sync_state()
        self.set_interval(0.1, self.pulse)
        if self.autoplay:  # after the first frame is painted, so step 2 gets its full interval
            self.call_after_refresh(self.action_play)

    def on_resize(self, event: Resize) -> None:
        narrow = event.size.width < NARROW[0] or event.size.height < NARROW[1]
        self.set_class(narrow, "-narrow")
        self._show_panel()

    def _show_panel(self) -> None:
        shown = PANELS[list(PANELS)[self.panel]]
        for part in PARTS:
            widget = self.query_one(f"#{part}")
            widget.add_class("-panel")
            widget.set_class(part in shown, "-shown")

    # ------------------------------------------------------------------ state

    def sync_state(self) -> None:
        """Take a new snapshot of the run for every panel (on the UI thread)."""
        if self.closing:
            return
        driver, trace = self.driver, self.driver.trace
        current = trace.current
        self.state = ViewState(
            trace=trace,
            story=self.story,
            run=self.run_number,
            index=current.index if current is not None else -1,
            length=len(trace),
            events=len(trace.events) + trace.dropped_events,
            focus=driver.focused_task,
            mode=str(driver.mode),
            live=driver.live,
            finished=driver.finished,
            playing=self.playing,
            speed=self.speed,
        )
        self.now = self._now()
        self.refresh_bindings()

    def _now(self) -> float:
        """Seconds since the run started: the clock at the frontier of a live run (it keeps
        running while a task is paused), else the time of the step shown."""
        trace = self.driver.trace
        current = trace.current
        if self.driver.live and not trace.finished and trace.at_frontier:
            return self.driver.clock()
        return current.t if current is not None else 0.0

    def pulse(self) -> None:
        """Ten times a second: pick up what a free-running part of the run recorded, and
        keep the Wait timer running."""
        state = self.state
        trace = self.driver.trace
        if state is None or self.closing:
            return
        if (
            len(trace) != state.length
            or trace.finished != state.finished
            or str(self.driver.mode) != state.mode
            or len(trace.events) + trace.dropped_events != state.events
            or (trace.current.index if trace.current else -1) != state.index
        ):
            self.sync_state()
        elif state.live and not state.finished:
            self.now = self._now()

    # ------------------------------------------------------------------ keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        trace = self.driver.trace
        if action in ("step_back", "first"):
            return True if trace.cursor > trace.first_index else None
        if action in ("step_forward", "last", "continue"):
            return None if trace.finished and trace.at_frontier else True
        if action == "others":
            return True if self.driver.live and not trace.finished else None
        if action == "restart":
            return True if self.opener is not None else None
        if action == "leave":
            return self.app.screen_stack[0] is not self and len(self.app.screen_stack) > 2
        return True

    def action_step_forward(self) -> None:
        self._pause()
        self._step()

    @work(thread=True, exclusive=True, group="drive")
    def _step(self) -> None:
        self.driver.step(timeout=30)
        self.app.call_from_thread(self.sync_state)

    def action_step_back(self) -> None:
        self._pause()
        self.driver.back()
        self.sync_state()

    def action_first(self) -> None:
        self.driver.jump(self.driver.trace.first_index)
        self.sync_state()

    def action_last(self) -> None:
        self.driver.jump(self.driver.trace.last_index)
        self.sync_state()

    def action_play(self) -> None:
        if self.playing:
            self._pause()
        else:
            self.playing = True
            self._wake.clear()
            self._play()
        self.sync_state()

    def _pause(self) -> None:
        self.playing = False
        self._wake.set()

    @work(thread=True, exclusive=True, group="drive")
    def _play(self) -> None:
        """One step per interval; each step is painted before the next (none skipped)."""
        worker = get_current_worker()
        while self.playing and not worker.is_cancelled:
            trace = self.driver.trace
            if trace.finished and trace.at_frontier:
                break
            if self._wake.wait(BASE_INTERVAL / self.speed):  # each step stays up one interval
                break
            self.driver.step(timeout=30)
            self.app.call_from_thread(self.sync_state)
        self.playing = False
        self.app.call_from_thread(self._played_to_end)

    def _played_to_end(self) -> None:
        self.sync_state()
        trace = self.driver.trace
        if self.exit_at_end and trace.finished and trace.at_frontier:
            self.set_timer(HOLD_AT_END, self.app.exit)

    @work(thread=True, exclusive=True, group="drive")
    def action_others(self) -> None:
        self.driver.others_run()
        self.driver.step(timeout=30)
        self.app.call_from_thread(self.sync_state)

    @work(thread=True, exclusive=True, group="drive")
    def action_continue(self) -> None:
        self.playing = False
        self.driver.run_to_end(timeout=60)
        self.app.call_from_thread(self.sync_state)

    def action_cycle_focus(self) -> None:
        tasks = sorted(self.driver.trace.tasks)
        if not tasks:
            return
        current = self.driver.focused_task
        following = next((t for t in tasks if t > current), tasks[0])
        self.driver.focus(following)
        self.sync_state()
        self.notify(f"Following T{following} {self.driver.trace.tasks[following].name}", timeout=2)

    def action_speed(self, delta: int) -> None:
        at = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.speed))
        self.speed = SPEEDS[max(0, min(len(SPEEDS) - 1, at + delta))]
        self.sync_state()

    def action_restart(self) -> None:
        if self.opener is None:
            return
        self._pause()
        self._restart(self.opener)

    @work(thread=True, exclusive=True, group="drive")
    def _restart(self, opener: Opener) -> None:
        self.driver.stop(timeout=1.0)
        try:
            driver = opener()
        except Exception as error:  # shown on screen; the old run stays on screen
            self.app.call_from_thread(self.notify, f"Restart failed: {error}", severity="error")
            return
        self.app.call_from_thread(self._swap, driver)

    def _swap(self, driver: Driver) -> None:
        self.driver = driver
        self.story = StoryIndex(driver.trace)
        self.run_number += 1
        self.sync_state()
        self.notify("Restarted on a fresh copy of the demo database", timeout=2)

    def action_switch_view(self, delta: int) -> None:
        tabs = self.query_one(TabbedContent)
        stops = (
            [("lesson", p) for p in range(len(PANELS))]
            if self.has_class("-narrow")
            else [("lesson", 0)]
        )
        stops += [(view, 0) for view in VIEWS[1:]]
        here = (
            tabs.active,
            self.panel if tabs.active == "lesson" and self.has_class("-narrow") else 0,
        )
        position = stops.index(here) if here in stops else 0
        view, panel = stops[(position + delta) % len(stops)]
        tabs.active = view
        self.panel = panel
        self._show_panel()
        if view == "quiz":
            self.query_one(QuizPanel).focus()
        elif view == "moments":
            self.query_one(KeyMomentsPanel).focus()

    def action_table_row(self, delta: int) -> None:
        if self.query_one(TabbedContent).active == "lesson":
            self.query_one(ExecutionTable).action_cursor(delta)

    def action_table_choose(self) -> None:
        if self.query_one(TabbedContent).active == "lesson":
            self.query_one(ExecutionTable).action_choose()

    def action_leave(self) -> None:
        self.stop_run()
        self.dismiss()

    def stop_run(self) -> None:
        self.closing = True
        self._pause()
        self.driver.stop(timeout=1.0)

    # ------------------------------------------------------------------ messages

    def on_execution_table_step_selected(self, message: ExecutionTable.StepSelected) -> None:
        self.query_one(QueryDetail).selected_query = message.query

    def on_key_moments_panel_moment_chosen(self, message: KeyMomentsPanel.MomentChosen) -> None:
        self._go_to(message.step)
        self.query_one(TabbedContent).active = "lesson"

    def on_execution_table_step_chosen(self, message: ExecutionTable.StepChosen) -> None:
        self._go_to(message.step)

    def _go_to(self, step: int) -> None:
        self._pause()
        self.driver.jump(max(step, self.driver.trace.first_index))
        self.sync_state()

    def on_unmount(self) -> None:
        self._pause()
