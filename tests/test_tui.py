"""The app, driven with Textual's pilot: every key and mode, mostly on saved traces."""

from __future__ import annotations

import inspect
import io
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from orm_viz.trace.export import load_path
from orm_viz.tui.app import OrmVizApp
from orm_viz.tui.help_screen import HelpScreen
from orm_viz.tui.lesson_screen import LessonScreen
from orm_viz.tui.picker_screen import PickerScreen
from orm_viz.tui.replay import Replay
from orm_viz.tui.widgets import (
    ExecutionTable,
    FlowDiagram,
    KeyMomentsPanel,
    QueryDetail,
    QuizPanel,
    StatusLine,
    TaskLanes,
    TranscriptView,
    VariableTracker,
)
from tests.conftest import HERE, screen_text

FIXTURES = HERE / "fixtures"
WIDE = (160, 48)


def replay(name: str, **options: object) -> OrmVizApp:
    return OrmVizApp(Replay(load_path(FIXTURES / f"{name}.json")), **options)  # type: ignore[arg-type]


def cell(table: ExecutionTable, row: int, column: int) -> str:
    return table.cells_at(row)[column]


def text_of(widget: object) -> str:
    """What a widget shows, as plain text (Statics hold their content; others render it)."""
    content = getattr(widget, "content", None)
    renderable = content if content is not None and content != "" else widget.render()  # type: ignore[attr-defined]
    console = Console(width=200, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


async def settle(app: OrmVizApp, pilot: object) -> None:
    await app.workers.wait_for_complete()
    for screen in app.screen_stack:
        await screen.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


def lesson(app: OrmVizApp) -> LessonScreen:
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    return screen


async def test_stepping_a_live_run_fills_the_table_and_the_tracker(run_scenario) -> None:
    controller = run_scenario("seed_corrected")
    app = OrmVizApp(controller)
    async with app.run_test(size=WIDE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(ExecutionTable)
        assert table.row_count == 2  # the call, and the task about to start
        for _ in range(4):
            await pilot.press("n")
            await settle(app, pilot)
        assert table.row_count == 6
        assert cell(table, 2, 1).startswith("users = [user async for user in User.objects.filter")
        assert [cell(table, r, 4) for r in range(6)] == ["No", "No", "No", "No", "Yes", "Yes"]
        tracker = app.screen.query_one(VariableTracker)
        header, users_line, *_ = tracker.lines()
        assert header[0] == "Variable"
        assert header[-1] == "▶6"  # the current step, last
        users = users_line[1:]
        assert users[:-1] == ["unbound"] * (len(users) - 1)  # unbound while the await is pending
        assert users[-1].startswith("* [<User #1")  # assigned at the last step, marked
        await pilot.press("p")  # back over recorded steps
        await settle(app, pilot)
        assert controller.trace.cursor == controller.trace.last_index - 1
        await pilot.press("q")
    assert controller.trace.finished  # quitting stopped the run


async def test_back_and_first_are_disabled_at_the_start_and_step_at_the_end() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        screen = lesson(app)
        trace = screen.driver.trace
        assert screen.check_action("step_back", ()) is None
        await pilot.press("p", "left", "home")
        await settle(app, pilot)
        assert trace.cursor == trace.first_index
        await pilot.press("end")
        await settle(app, pilot)
        assert trace.cursor == trace.last_index
        assert screen.check_action("step_forward", ()) is None
        await pilot.press("n", "right")
        await settle(app, pilot)
        assert trace.cursor == trace.last_index
        assert "step 6 of 6" in text_of(app.screen.query_one(StatusLine))
        await pilot.press("q")


async def test_the_flow_token_moves_stage_by_stage_and_the_transcript_follows() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        flow = app.screen.query_one(FlowDiagram)
        stages = []
        for _ in range(5):
            stages.append(flow._tokens[1].stage.value)
            await pilot.press("n")
            await settle(app, pilot)
        assert stages == [
            "Start",
            "Send query",
            "Receive data",
            "Process in Python",
            "Return",
        ]
        await pilot.press(
            "tab", "tab", "tab", "tab"
        )  # lesson → moments → quiz → snapshot → transcript
        await settle(app, pilot)
        transcript = text_of(app.screen.query_one(TranscriptView))
        assert "Step 6: get_users returned" in transcript
        await pilot.press("q")


async def test_the_wait_stage_shows_the_thread_running_the_sql() -> None:
    app = replay("gather_serialized")
    async with app.run_test(size=WIDE) as pilot:
        flow = app.screen.query_one(FlowDiagram)
        screen = lesson(app)
        trace = screen.driver.trace
        for step in trace.iter_steps():
            screen.driver.jump(step.index)
            screen.sync_state()
            await pilot.pause()
            if any(t.stage.value.startswith("Wait") and t.thread for t in flow._tokens.values()):
                break
        detail = text_of(flow).splitlines()[-1]
        assert "waiting" in detail
        assert " · SQL in " in detail
        await pilot.press("q")


async def test_selecting_a_row_shows_its_sql_and_timing() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("end")
        await settle(app, pilot)
        table = app.screen.query_one(ExecutionTable)
        table.cursor_row = 3  # "DB thread runs QuerySet._fetch_all"
        await pilot.pause()
        detail = app.screen.query_one(QueryDetail)
        shown = text_of(detail)
        assert detail.selected_query > 0
        record = lesson(app).driver.trace.queries[detail.selected_query]
        assert record.orm_function in shown
        await pilot.press("q")


async def test_the_table_keys_move_the_highlight_and_enter_goes_to_its_step() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("end")
        await settle(app, pilot)
        screen = lesson(app)
        table = screen.query_one(ExecutionTable)
        detail = screen.query_one(QueryDetail)
        assert table.cursor_row == table.row_count - 1  # the highlight follows the step
        table.focus()
        await pilot.press("up", "up")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 3  # "DB thread runs QuerySet._fetch_all"
        assert table.cells_at(table.cursor_row)[1] == "DB thread runs QuerySet._fetch_all"
        assert "QuerySet._fetch_all" in text_of(detail)
        assert screen.state.number == table.row_count  # moving the highlight is not a step
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.state.number == table.row_at(table.row_count - 3).number
        assert "▶4 " in screen_text(app)  # the current step's row is marked
        await pilot.press("down", "down", "down")  # stops at the last row
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1
        await pilot.click(ExecutionTable, offset=(10, 2))  # the border, the header, row 0
        await pilot.pause()
        assert table.cursor_row == 0
        await pilot.press("q")


async def test_the_highlight_stays_where_the_user_put_it_while_the_run_records_more(
    run_scenario,
) -> None:
    controller = run_scenario("ticker_alongside", latency_ms=2000)
    app = OrmVizApp(controller)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("o")  # the main task stays held; the ticker runs and is recorded
        await settle(app, pilot)
        await pilot.pause(0.5)
        screen = lesson(app)
        index = screen.state.index  # the main task held at its query (2 s of latency)
        table = screen.query_one(ExecutionTable)
        table.focus()
        await pilot.press("up")
        await pilot.pause()
        chosen = table.cursor_row
        assert chosen == table.row_count - 2, (chosen, table.row_count)  # one row up
        events = screen.state.events
        for _ in range(100):
            await pilot.pause(0.1)
            if screen.state.events >= events + 3:  # ticks, picked up by the pulses
                break
        assert screen.state.index == index
        assert screen.state.events >= events + 3
        assert table.cursor_row == chosen
        await pilot.press("q")


async def test_the_table_keys_work_without_focusing_it_first() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("end")
        await settle(app, pilot)
        table = app.screen.query_one(ExecutionTable)
        assert not table.has_focus
        await pilot.press("up", "up")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 3
        await pilot.press("enter")
        await settle(app, pilot)
        assert lesson(app).state.number == 4
        await pilot.press("q")


async def test_restarting_a_replay_shows_its_first_step_again() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("end")
        await settle(app, pilot)
        screen = lesson(app)
        assert screen.state.number == 6
        await pilot.press("r")
        await settle(app, pilot)
        assert lesson(app).state.number == 2  # the first recorded step
        await pilot.press("q")


async def test_play_steps_on_a_timer_and_space_pauses() -> None:
    app = replay("seed_corrected", speed=2.0)  # a step every 0.5 s: 2.5 s for the run
    async with app.run_test(size=WIDE) as pilot:
        screen = lesson(app)
        trace = screen.driver.trace
        await pilot.press("space")
        for _ in range(200):  # until the first step is played (at most 10 s on a slow machine)
            if trace.cursor >= 1:
                break
            await pilot.pause(0.05)
        assert trace.cursor >= 1
        assert screen.playing or trace.at_frontier
        await pilot.press("space")
        await settle(app, pilot)
        assert not screen.playing
        moved = trace.cursor
        await pilot.pause(1.2)  # more than two intervals
        assert trace.cursor == moved  # paused: nothing moves
        await pilot.press("q")


async def test_speed_keys_step_through_the_allowed_speeds_and_stop_at_the_ends() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        screen = lesson(app)
        await pilot.press("plus", "plus", "plus")
        assert screen.speed == 4.0
        await pilot.press("minus", "minus", "minus", "minus", "minus", "minus")
        assert screen.speed == 0.25
        await pilot.pause()
        assert "speed 0.25×" in text_of(app.screen.query_one(StatusLine))
        await pilot.press("q")


async def test_autoplay_with_exit_at_end_plays_every_step_and_quits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    painted: list[int] = []
    sync_state = LessonScreen.sync_state

    def recording(screen: LessonScreen) -> None:  # every snapshot the panels render
        sync_state(screen)
        if screen.state is not None and (not painted or painted[-1] != screen.state.index):
            painted.append(screen.state.index)

    monkeypatch.setattr(LessonScreen, "sync_state", recording)
    app = replay("seed_corrected", autoplay=True, speed=4.0, exit_at_end=True)
    async with app.run_test(size=WIDE) as pilot:
        screen = lesson(app)
        for _ in range(600):  # it quits by itself (at most 30 s on a slow machine)
            if not app.is_running:
                break
            await pilot.pause(0.05)
    assert not app.is_running
    trace = screen.driver.trace
    assert painted == list(range(trace.first_index, trace.last_index + 1))  # none skipped


async def test_focus_cycles_through_the_tasks() -> None:
    app = replay("gather_serialized")
    async with app.run_test(size=WIDE) as pilot:
        screen = lesson(app)
        tasks = sorted(screen.driver.trace.tasks)
        assert len(tasks) > 1
        seen = [screen.driver.focused_task]
        for _ in tasks:
            await pilot.press("f")
            await pilot.pause()
            seen.append(screen.driver.focused_task)
        assert seen == [*tasks, tasks[0]]
        assert f"focus T{tasks[1]}" not in text_of(app.screen.query_one(StatusLine))  # back to T1
        await pilot.press("q")


async def test_tab_switches_between_the_learning_modes() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        from textual.widgets import TabbedContent

        tabs = app.screen.query_one(TabbedContent)
        seen = [tabs.active]
        for _ in range(5):
            await pilot.press("tab")
            await pilot.pause()
            seen.append(tabs.active)
        assert seen == ["lesson", "moments", "quiz", "snapshot", "transcript", "lesson"]
        await pilot.press("shift+tab")
        await pilot.pause()
        assert tabs.active == "transcript"
        await pilot.press("q")


async def test_a_key_moment_jumps_to_its_step() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("tab")
        await pilot.pause()
        moments = app.screen.query_one(KeyMomentsPanel)
        assert moments.option_count >= 1
        target = moments._moments[-1]
        moments.highlighted = len(moments._moments) - 1
        await pilot.press("enter")
        await settle(app, pilot)
        trace = lesson(app).driver.trace
        assert trace.cursor == target.step
        from textual.widgets import TabbedContent

        assert app.screen.query_one(TabbedContent).active == "lesson"
        await pilot.press("q")


async def test_the_quiz_scores_answers_and_gives_hints() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.pause()
        quiz = app.screen.query_one(QuizPanel)
        assert quiz.questions == []  # not worked out while its tab is hidden
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert quiz.has_focus
        first = quiz.questions[0]
        await pilot.press("h")
        assert first.hint in text_of(quiz)
        right = "abcd"[first.choices.index(first.answer)]
        await pilot.press(right)
        assert quiz.score == 1
        assert "Right." in text_of(quiz)
        await pilot.press("j")
        second = quiz.questions[1]
        wrong = next(c for c in second.choices if c != second.answer)
        await pilot.press("abcd"[second.choices.index(wrong)])
        assert quiz.score == 1
        assert f"the answer is {second.answer}" in text_of(quiz)
        await pilot.press("q")


async def test_help_lists_the_keys_from_the_bindings_including_remapped_ones() -> None:
    app = replay("seed_corrected", keymap={"step": "j"})
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("j")  # the remapped step key
        await settle(app, pilot)
        assert lesson(app).driver.trace.cursor == 1
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.keys)
        assert any(description.startswith("Release the next gate") for description in keys.values())
        assert "j" in keys
        panels = dict(app.screen.panels)
        assert {"FlowDiagram", "ExecutionTable", "VariableTracker", "TaskLanes"} <= set(panels)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        await pilot.press("q")


async def test_the_command_palette_offers_every_lesson_action() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for binding in LessonScreen.BINDINGS:
            if binding.description:  # type: ignore[union-attr]
                assert binding.description in titles  # type: ignore[union-attr]
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Step")
        result = command.callback()
        if inspect.isawaitable(result):
            await result
        await settle(app, pilot)
        assert lesson(app).driver.trace.cursor == 1
        await pilot.press("q")


def svg_files(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.svg"))]


async def test_ctrl_s_saves_an_svg_screenshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = replay("seed_corrected")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("q")
    saved = svg_files(tmp_path)
    assert len(saved) == 1
    assert saved[0].startswith("<svg")


async def test_a_small_terminal_shows_one_lesson_panel_at_a_time() -> None:
    app = replay("seed_corrected")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = lesson(app)
        await pilot.pause()
        assert screen.has_class("-narrow")
        visible = [w.id for w in app.screen.query("#source, #table, #tracker, #lanes") if w.display]
        assert visible == ["source"]
        await pilot.press("tab")
        await pilot.pause()
        visible = [w.id for w in app.screen.query("#source, #table, #tracker, #lanes") if w.display]
        assert visible == ["table"]
        await pilot.press("tab", "tab", "tab")
        await pilot.pause()
        from textual.widgets import TabbedContent

        assert app.screen.query_one(TabbedContent).active == "moments"
        await pilot.press("q")


async def test_a_raised_exception_shows_the_raised_stage_and_its_line() -> None:
    app = replay("seed_as_written")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("end")
        await settle(app, pilot)
        flow = app.screen.query_one(FlowDiagram)
        assert flow._tokens[1].stage.value == "Raised"
        assert "Raised" in text_of(flow)
        table = app.screen.query_one(ExecutionTable)
        last = cell(table, table.row_count - 1, 5)
        assert "TypeError" in last
        await pilot.press("q")


async def test_a_blocked_loop_is_flagged_in_the_lanes(run_scenario) -> None:
    controller = run_scenario("blocking_the_loop")
    app = OrmVizApp(controller)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("c")
        await settle(app, pilot)
        lanes = app.screen.query_one(TaskLanes)
        assert "loop block(s) ≥ 100 ms" in text_of(lanes)
        assert "!" in text_of(lanes)
        await pilot.press("q")


async def test_restart_runs_again_on_a_fresh_database(run_scenario) -> None:
    opened = []

    def open_target(target: str):  # type: ignore[no-untyped-def]
        opened.append(run_scenario(target))  # stopped by the fixture after the test
        return opened[-1]

    app = OrmVizApp(open_target("writes.py"), target="writes.py", open_target=open_target)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("c")
        await settle(app, pilot)
        first = lesson(app).driver
        assert first.trace.finished
        await pilot.press("r")
        await settle(app, pilot)
        second = lesson(app).driver
        assert second is not first
        assert len(opened) == 2
        assert not second.trace.finished  # a new run, paused at its first step
        await pilot.press("c")
        await settle(app, pilot)
        assert second.trace.outcome == first.trace.outcome  # same result: a fresh copy
        await pilot.press("q")


async def test_quit_works_while_the_scenario_hangs(run_scenario) -> None:
    import time

    controller = run_scenario("hangs.py")
    app = OrmVizApp(controller)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("o")  # let it run into its hang
        await pilot.pause(0.3)
        started = time.perf_counter()
        await pilot.press("q")
    assert time.perf_counter() - started < 2.0


async def test_the_picker_filters_as_you_type_and_opens_the_chosen_lesson(run_scenario) -> None:
    from orm_viz.scenarios import bundled_summaries

    app = OrmVizApp(open_target=run_scenario, summaries=bundled_summaries())
    async with app.run_test(size=WIDE) as pilot:
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        assert len(picker.shown) == len(bundled_summaries())
        await pilot.press(*"gather serial")
        await pilot.pause()
        assert [s.name for s in picker.shown] == ["gather_serialized"]
        assert picker.shown[0].title in text_of(app.screen.query_one("#preview"))
        await pilot.press("enter")
        for _ in range(100):
            await settle(app, pilot)
            if isinstance(app.screen, LessonScreen):
                break
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.driver.trace.scenario.name == "gather_serialized"
        await pilot.press("q")


async def test_hostile_text_is_shown_literally(run_scenario) -> None:
    controller = run_scenario("hostile.py")
    app = OrmVizApp(controller)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("c")
        await settle(app, pilot)
        table = app.screen.query_one(ExecutionTable)
        painted = "\n".join(table.render_line(y).text for y in range(table.size.height))
        assert "returned: ('[bold red]x[/" in painted  # not markup
        assert 'markup = await User.objects.aget(name="[bo' in painted
        assert 'markup = await User.objects.aget(name="[bold' in screen_text(app)  # the sample
        await pilot.press("q")


def test_the_app_commands_refuse_to_start_without_a_terminal(tmp_path: Path) -> None:
    for command in (["run", "seed_corrected"], ["replay", str(FIXTURES / "seed_corrected.json")]):
        result = subprocess.run(
            [sys.executable, "-m", "orm_viz", *command],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 2
        assert result.stderr.count("\n") == 1
        assert "needs a terminal" in result.stderr


def test_run_refuses_a_bad_target_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orm_viz", "run", "no/such/file.py"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1


def test_replay_refuses_a_damaged_file_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "orm_viz", "replay", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1


def test_the_readme_names_every_key_the_lesson_screen_binds() -> None:
    readme = (HERE.parent / "README.md").read_text(encoding="utf-8")
    names = {"right": "→", "left": "←", "plus": "+", "minus": "-", "question_mark": "?"}
    for binding in [*LessonScreen.BINDINGS, *OrmVizApp.BINDINGS]:
        if not binding.show or not binding.description:  # type: ignore[union-attr]
            continue
        for key in binding.key.split(","):  # type: ignore[union-attr]
            if key == "equals_sign":
                continue  # "=" is "+" without shift
            assert f"`{names.get(key, key)}`" in readme, key


def test_text_from_the_run_cannot_move_or_reorder_a_line() -> None:
    from orm_viz.tui.text import cell_text

    for hostile in ("\x9b31mred", "a\u202eb", "a\u2028b", "a\nb\tc", "a\x85b"):
        fitted = cell_text(hostile, 12)
        assert cell_len(fitted) == 12
        assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) < 0xA0 for c in fitted)
        assert not {"\u202e", "\u2028"} & set(fitted)


async def test_the_highlight_keeps_its_step_when_a_bounded_run_drops_early_rows() -> None:
    """A live run past its step bound drops its earliest steps, and so the table's first
    rows: the highlighted row and the current-step row must stay on their steps."""
    from textual.app import App, ComposeResult

    from orm_viz.trace import ScenarioInfo, StepKind, TaskRecord, Trace
    from orm_viz.tui.state import ViewState
    from orm_viz.views.window import StoryIndex

    trace = Trace(scenario=ScenarioInfo("bounded", "", "main", "x = 1\n"), max_steps=20)
    trace.put_task(TaskRecord(1, "main", "main", 0, 0.0, 1))

    def record(count: int) -> None:
        for _ in range(count):
            index = len(trace)
            kind = StepKind.TASK_START if index == 0 else StepKind.TASK_RESUME
            captured = (("i",), (index,))
            trace.append_step(kind, 1, "loop", 1, "main", captured, (), -1, index / 10, True, "")

    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            yield ExecutionTable()

    record(15)
    story = StoryIndex(trace)
    current = 12  # the step the cursor is on; the run records on past it
    app = TableApp()
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(ExecutionTable)
        table.state = ViewState(trace, story, index=current, length=len(trace))
        await pilot.pause()
        table.action_cursor(-3)  # the user highlights an earlier row
        await pilot.pause()
        highlighted = table.row_at(table.cursor_row).step
        assert highlighted == current - 3
        record(10)  # 25 steps recorded, the first 5 dropped
        assert trace.dropped_steps == 5
        table.state = ViewState(trace, story, index=current, length=len(trace))
        await pilot.pause()
        assert table.row_at(table.cursor_row).step == highlighted
        assert table.row_at(table._current).step == current
        table.action_cursor(+3)
        await pilot.pause()
        assert table.row_at(table.cursor_row).step == current
        # The run thread may record (and drop) more while the table reads the index: the
        # rows found must still be those of the table it read.
        table.action_cursor(-3)
        await pilot.pause()
        find = story._row_for_step

        def racing(task: int, index: int) -> int:
            if len(trace) == 25:  # once: 3 more steps, and the first 8 are dropped now
                record(3)
            return find(task, index)

        story._row_for_step = racing  # type: ignore[method-assign]
        table.state = ViewState(trace, story, index=current, length=len(trace))
        await pilot.pause()
        story._row_for_step = find  # type: ignore[method-assign]
        assert trace.dropped_steps == 8
        assert table.row_at(table.cursor_row).step == highlighted
        assert table.row_at(table._current).step == current


async def test_the_lanes_follow_a_bounded_run_that_drops_early_steps_and_a_new_run() -> None:
    """The lanes panel keeps its lanes up to date as the trace grows and drops its first
    steps, and starts afresh for another run's trace: always the pure view's lanes."""
    from textual.app import App, ComposeResult

    from orm_viz.trace import ScenarioInfo, StepKind, TaskRecord, Trace
    from orm_viz.tui.state import ViewState
    from orm_viz.views.lanes import lanes, raster, time_span
    from orm_viz.views.window import StoryIndex

    def new_trace() -> Trace:
        trace = Trace(scenario=ScenarioInfo("bounded", "", "main", "x = 1\n"), max_steps=20)
        trace.put_task(TaskRecord(1, "main", "main", 0, 0.0, 1))
        return trace

    def record(trace: Trace, count: int) -> None:
        for _ in range(count):
            index = len(trace)
            kind = StepKind.TASK_START if index == 0 else StepKind.TASK_RESUME
            t = index / 10
            trace.append_step(kind, 1, "orm-viz-loop-1", 1, "main", ((), ()), (), -1, t, True, "")
            trace.released(index, t + 0.05)

    class LanesApp(App[None]):
        def compose(self) -> ComposeResult:
            yield TaskLanes()

    async def show(trace: Trace, run: int) -> None:
        # A saved trace's state (live=False) is derived at once: the test needs no timer.
        widget.state = ViewState(trace, StoryIndex(trace), run=run, length=len(trace), live=False)
        await pilot.pause()
        expected = lanes(trace)
        assert widget._lanes == expected
        assert widget._grid == raster(expected, *time_span(expected), widget._columns())

    trace = new_trace()
    app = LanesApp()
    async with app.run_test(size=(120, 10)) as pilot:
        widget = app.query_one(TaskLanes)
        for _ in range(4):
            record(trace, 9)  # past 20 steps, the first ones are dropped
            await show(trace, run=0)
        assert trace.dropped_steps == 16
        other = new_trace()
        record(other, 3)
        await show(other, run=1)
