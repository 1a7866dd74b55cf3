"""The learning views, derived from real traces and from saved trace fixtures."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orm_viz.trace import Mode
from orm_viz.trace.export import dumps, load_path, loads
from orm_viz.views.formats import render_markdown, render_table, views_data
from orm_viz.views.lanes import blocked_stretches, lanes
from orm_viz.views.lesson import key_moments, quiz, transcript
from orm_viz.views.story import (
    Stage,
    execution_table,
    flow_stages,
    flow_timeline,
    variable_tracker,
)

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"


def fixture(name: str):  # type: ignore[no-untyped-def]
    return load_path(FIXTURES / f"{name}.json")


def story(trace) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [
        (row.number, row.kind, row.awaited, row.query_sent, row.data_received)
        for row in execution_table(trace)
    ]


SEED_STORY = [
    (1, "call", False, False, False),  # Call get_users(): coroutine created
    (2, "task_start", False, False, False),  # it starts, runs to its first await
    (3, "query_execute", True, True, False),  # awaiting: the query reached the DB thread
    (4, "query_result", True, True, False),  # the DB thread has the rows
    (5, "task_resume", False, True, True),  # data received: processing in Python
    (6, "task_end", False, True, True),  # returns the list
]


@pytest.mark.parametrize("width", [80, 120])
def test_the_seed_corrected_table_matches_its_golden_rendering(width: int) -> None:
    expected = (GOLDEN / f"seed_corrected.table.{width}.txt").read_text(encoding="utf-8")
    rendered = render_table(fixture("seed_corrected"), width=width)
    assert rendered == expected
    assert max(len(line) for line in rendered.splitlines()) <= min(width, 100)


def test_the_markdown_lesson_matches_its_golden_rendering() -> None:
    expected = (GOLDEN / "seed_corrected.md").read_text(encoding="utf-8")
    assert render_markdown(fixture("seed_corrected")) == expected


def test_a_live_seed_corrected_run_tells_the_seed_pages_six_row_story(traced) -> None:
    trace = traced("seed_corrected")
    assert story(trace) == SEED_STORY
    rows = execution_table(trace)
    assert rows[0].action == "Call get_users()"
    assert rows[2].action == "users = [user async for user in User.objects.filter(active=True)]"
    assert rows[2].result.startswith("waiting for DB (ThreadPoolExecutor-")
    assert rows[3].result.startswith("5 rows read")
    assert rows[4].result == "5 rows received"
    assert rows[5].action == "return users"
    assert rows[2].sql_thread == rows[3].sql_thread != ""


def test_the_tracker_shows_the_variable_unbound_until_the_await_completes(traced) -> None:
    tracker = variable_tracker(traced("seed_corrected"))
    assert tracker.names == ("users",)
    cells = tracker.cells["users"]
    assert [c.text for c in cells[:5]] == ["unbound"] * 5
    assert cells[5].text.count("<User #") == 5
    assert cells[5].changed
    assert not cells[4].changed
    assert tracker.pending[2].startswith("users = [user async for user in")
    assert (
        tracker.pending[2].split(" → ")[1].startswith("QuerySet._fetch_all in ThreadPoolExecutor-")
    )
    assert tracker.pending[0] == tracker.pending[5] == ""


def test_flow_tokens_move_through_the_stages(traced) -> None:
    trace = traced("seed_corrected")
    stages = [tokens[1].stage for _, tokens in flow_timeline(trace)]
    assert stages == [
        Stage.START,
        Stage.SEND_QUERY,
        Stage.RECEIVE,
        Stage.PROCESS,
        Stage.RETURN,
    ]
    raised = [tokens[1].stage for _, tokens in flow_timeline(fixture("seed_as_written"))]
    assert raised[-1] is Stage.RAISED


def test_gathered_tasks_wait_with_the_loop_free_while_one_query_runs() -> None:
    trace = fixture("gather_serialized")
    tokens: dict = {}
    most_waiting = 0
    for index, changed in flow_timeline(trace):
        tokens.update(changed)
        assert tokens == flow_stages(trace, index)  # the single-step view agrees
        most_waiting = max(most_waiting, sum(t.stage is Stage.WAIT for t in tokens.values()))
    assert most_waiting >= 2, "two gathered tasks should be waiting at the same time"


def test_the_db_lane_shows_three_back_to_back_queries_on_one_thread() -> None:
    trace = fixture("gather_serialized")
    db = [lane for lane in lanes(trace) if lane.kind == "db"]
    assert len(db) == 1
    sql = [i for i in db[0].intervals if i.state == "sql"]
    assert len(sql) == 3
    for earlier, later in itertools.pairwise(sql):
        assert earlier.end <= later.start
    assert all(i.label == "QuerySet.count" for i in sql)
    assert {lane.name.split()[0] for lane in lanes(trace) if lane.kind == "task"} == {
        "T1",
        "T2",
        "T3",
        "T4",
    }


def test_a_blocked_loop_is_flagged_in_the_lanes(run_scenario) -> None:
    controller = run_scenario("blocks_loop.py", Mode.FREE)
    controller.stop(timeout=1.0)
    blocks = blocked_stretches(controller.trace)
    assert blocks
    assert blocks[0].end - blocks[0].start >= 0.1


def test_key_moments_resolve_to_step_numbers(traced) -> None:
    moments = key_moments(traced("seed_corrected"))
    assert [m.row for m in moments] == [3, 4, 5, 6]
    assert all(m.step == m.row - 2 for m in moments)


def test_quiz_answers_come_from_the_run(traced) -> None:
    questions = {q.question: q for q in quiz(traced("seed_corrected"))}
    data = questions["At which step does the database's data reach the program?"]
    assert data.answer == "Step 5"
    assert data.answer in data.choices
    assert len(set(data.choices)) == len(data.choices) == 4
    held = questions["What does `users` hold at step 3?"]
    assert held.answer.startswith("nothing yet")
    assert questions["How many SQL queries did this run send to the database?"].answer == "1"
    thread = questions["Which thread ran the SQL?"]
    assert thread.answer.startswith("ThreadPoolExecutor-")
    own = questions["How many times did get_users() suspend to wait for the database?"]
    assert own.answer == "1"  # the scenario's own question, answered from the run
    for question in questions.values():
        assert question.answer in question.choices
        assert question.hint


def test_the_transcript_says_what_each_step_did(traced) -> None:
    sentences = transcript(traced("seed_corrected"))
    assert len(sentences) == 6
    assert sentences[0] == (
        "Step 1: get_users() is called: a coroutine object is created; nothing in it runs yet."
    )
    assert sentences[3].startswith("Step 4: the DB thread ThreadPoolExecutor-")
    assert "returned 5 rows for QuerySet._fetch_all after" in sentences[3]
    assert sentences[3].endswith("; the loop was free meanwhile.")


def test_views_of_a_saved_trace_equal_the_views_of_the_live_run(traced) -> None:
    trace = traced("gather_serialized", latency_ms=10)
    reloaded = loads(dumps(trace))
    assert views_data(reloaded) == views_data(trace)
    assert render_markdown(reloaded) == render_markdown(trace)


def test_a_saved_trace_renders_without_django(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['django'] = None\n"  # any import of Django now fails
        "from orm_viz.cli import main\n"
        f"sys.exit(main(['trace', {str(FIXTURES / 'gather_serialized.json')!r}, "
        "'--format', 'markdown']))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "# gather() of three ORM queries" in result.stdout


HOSTILE_FILES = {
    "wrong_version": lambda d: {**d, "version": 99},
    "not_a_trace": lambda d: {"hello": "world"},
    "missing_steps": lambda d: {k: v for k, v in d.items() if k != "steps"},
    "wrong_type": lambda d: {**d, "steps": [{**d["steps"][0], "line": "seven"}]},
    "bad_kind": lambda d: {**d, "steps": [{**d["steps"][0], "kind": "teleport"}]},
    "bad_locals": lambda d: {**d, "steps": [{**d["steps"][0], "locals": [["x"]]}]},
    "quiz_answer_not_a_choice": lambda d: {
        **d,
        "lesson": {
            **d["lesson"],
            "quiz": [{"question": "q", "choices": ["a"], "answer": "b", "hint": ""}],
        },
    },
    "huge_integer": lambda d: {**d, "dropped_steps": "BIGINT"},
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_a_damaged_trace_file_gets_one_line_and_exit_code_2(tmp_path: Path, name: str) -> None:
    data = json.loads((FIXTURES / "seed_corrected.json").read_text(encoding="utf-8"))
    path = tmp_path / f"{name}.json"
    text = json.dumps(HOSTILE_FILES[name](data)).replace('"BIGINT"', "9" * 5000)
    path.write_text(text, encoding="utf-8")
    assert_rejected(path)


def test_a_huge_string_deep_nesting_and_not_json_are_rejected(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "seed_corrected.json").read_text(encoding="utf-8"))
    huge = tmp_path / "huge.json"
    data["scenario"]["source"] = "x" * (50 * 1024 * 1024)
    huge.write_text(json.dumps(data), encoding="utf-8")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\xff not json at all")
    for path in (huge, deep, garbage):
        assert_rejected(path)


def assert_rejected(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "orm_viz", "trace", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("orm-viz: ")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_text_from_the_database_is_never_markup_in_any_format() -> None:
    trace = fixture("hostile")
    styled = render_table(trace, color=True)
    assert "[bold red]x[/]" in styled
    assert "\x1b[1;31mx" not in styled
    assert "\x1b[31;1mx" not in styled
    markdown = render_markdown(trace)
    assert "\\[bold red\\]x\\[/\\]" in markdown
    assert "Zoë 🐍🚀 Émilie" in markdown
    assert "مرحبا بالعالم שלום" in markdown
    data = json.dumps(views_data(trace), ensure_ascii=False)
    assert "[bold red]x[/]" in data


def test_no_color_gives_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in render_table(fixture("hostile"), color=True)
    assert "\x1b[" not in render_table(fixture("hostile"), color=False)


def test_dropped_early_steps_are_said_in_every_text_format(run_scenario) -> None:
    from orm_viz.scenarios import load
    from orm_viz.session import start_scenario_run
    from tests.conftest import step_to_end

    controller = start_scenario_run(load("crud_tour"), mode=Mode.STEP, max_steps=10)
    trace = step_to_end(controller)
    controller.stop()
    assert trace.dropped_steps == len(trace) - 10 > 0
    assert f"The first {trace.dropped_steps:,} steps were dropped" in render_table(trace)
    assert f"The first {trace.dropped_steps:,} steps were dropped" in render_markdown(trace)
    assert json.loads(dumps(trace))["dropped_steps"] == trace.dropped_steps


def test_task_lanes_show_each_pause_until_its_release(run_scenario) -> None:
    controller = run_scenario("seed_corrected")
    while controller.trace.current is not None and not controller.finished:
        time.sleep(0.05)  # someone looking at each step for 50 ms
        if controller.step() is None:
            break
    trace = controller.trace
    main = next(lane for lane in lanes(trace) if lane.name.startswith("T1"))
    pauses = [i for i in main.intervals if i.state == "paused"]
    assert len(pauses) == 4  # start, query sent, rows ready, resume: each held ~50 ms
    assert all(i.end - i.start >= 0.04 for i in pauses)
    assert loads(dumps(trace)).release_times == pytest.approx(trace.release_times)
    loop = next(lane for lane in lanes(trace) if lane.kind == "loop")
    assert {"running", "idle"} <= {i.state for i in loop.intervals}


def test_the_quiz_asks_what_a_line_gives_without_await() -> None:
    questions = {q.question: q for q in quiz(fixture("hostile"))}
    without = questions["What would step 3's line give without `await`?"]
    assert without.answer.startswith("a coroutine object (QuerySet.aget)")
    held = questions["What does `markup` hold at step 3?"]  # the variable that await assigns
    assert held.answer.startswith("nothing yet")
