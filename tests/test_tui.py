"""The app on a real run, driven with Textual's pilot (a headless terminal of fixed size)."""

from __future__ import annotations

import subprocess
import sys

from orm_viz.tui.app import OrmVizApp
from orm_viz.tui.widgets import ExecutionTable, VariableTracker


def cell(table: ExecutionTable | VariableTracker, row: int, column: int) -> str:
    return str(table.get_row_at(row)[column])


async def test_stepping_through_seed_corrected_fills_the_table_and_tracker(run_scenario) -> None:
    controller = run_scenario("seed_corrected")
    app = OrmVizApp(controller)
    async with app.run_test(size=(160, 48)) as pilot:
        table = app.query_one(ExecutionTable)
        assert table.row_count == 2  # the call, and the task about to start
        for _ in range(4):
            await pilot.press("n")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert table.row_count == 6
        assert (
            cell(table, 2, 1) == "users = [user async for user in User.objects.filter(active=True)]"
        )
        assert [cell(table, r, 4) for r in range(6)] == ["No", "No", "No", "No", "Yes", "Yes"]
        tracker = app.query_one(VariableTracker)
        assert cell(tracker, 5, 1).startswith("* [<User #1")
        assert cell(tracker, 2, 1) == "unbound"
        await pilot.press("p")  # back over recorded steps
        await pilot.pause()
        assert controller.trace.cursor == controller.trace.last_index - 1
        await pilot.press("q")
    assert controller.trace.finished


async def test_hostile_text_is_shown_literally(run_scenario) -> None:
    controller = run_scenario("hostile.py")
    app = OrmVizApp(controller)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("c")
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.query_one(ExecutionTable)
        actions = [cell(table, r, 1) for r in range(table.row_count)]
        assert 'markup = await User.objects.aget(name="[bold red]x[/]")' in actions
        await pilot.press("q")


def test_run_refuses_a_bad_target_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orm_viz", "run", "no/such/file.py"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == "orm-viz: no such file: no/such/file.py\n"


async def test_a_saved_trace_replays_with_no_database() -> None:
    from orm_viz.trace.export import load_path
    from orm_viz.tui.replay import Replay
    from tests.conftest import HERE

    app = OrmVizApp(Replay(load_path(HERE / "fixtures" / "seed_corrected.json")))
    async with app.run_test(size=(160, 48)) as pilot:
        trace = app.controller.trace
        assert trace.cursor == 0
        await pilot.press("end")
        await pilot.pause()
        assert trace.cursor == trace.last_index
        await pilot.press("left", "left")
        await pilot.pause()
        assert trace.cursor == trace.last_index - 2
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert trace.cursor == trace.last_index - 1
        table = app.query_one(ExecutionTable)
        assert table.row_count == 6  # every recorded row at once
        assert table.cursor_row == 4  # the row of the current step
        await pilot.press("q")


def test_replay_refuses_a_damaged_file_in_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "orm_viz", "replay", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("orm-viz: not JSON")
    assert result.stderr.count("\n") == 1


async def test_the_flow_panel_moves_the_token_and_the_transcript_marks_the_step() -> None:
    from orm_viz.trace.export import load_path
    from orm_viz.tui.replay import Replay
    from orm_viz.tui.widgets import FlowDiagram, Transcript
    from tests.conftest import HERE

    app = OrmVizApp(Replay(load_path(HERE / "fixtures" / "seed_corrected.json")))
    async with app.run_test(size=(160, 48)) as pilot:
        flow = app.query_one(FlowDiagram)
        seen = []
        for _ in range(5):
            seen.append(str(flow.render()))
            await pilot.press("n")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert "[Start T1]" in seen[0]
        assert "[Send query T1]" in seen[1]
        assert "[Receive data T1]" in seen[2]
        assert "[Process in Python T1]" in seen[3]
        assert "[Return T1]" in seen[4]
        transcript = str(app.query_one(Transcript).render())
        assert "Step 6: get_users returned" in transcript
        await pilot.press("q")
