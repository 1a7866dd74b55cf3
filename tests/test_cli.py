"""`orm-viz trace` and `orm-viz list` as a user runs them: a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_SCENARIOS


def orm_viz(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orm_viz", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_trace_prints_a_versioned_json_trace() -> None:
    result = orm_viz("trace", "gather_serialized", "--format", "json", "--latency", "50")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["version"] == 1
    assert data["scenario"]["name"] == "gather_serialized"
    assert "asyncio.gather(" in data["scenario"]["source"]
    assert set(data["environment"]) >= {"python", "django"}
    step = data["steps"][0]
    assert set(step) >= {"index", "kind", "task", "thread", "line", "locals"}
    assert {t["id"]: t["outcome"] for t in data["tasks"]} == {i: "returned" for i in (1, 2, 3, 4)}
    queries = data["queries"]
    assert len(queries) == 3
    assert all(q["orm_function"] == "QuerySet.count" for q in queries)
    assert all(q["end"] - q["start"] >= 0.05 for q in queries)
    assert len({q["thread"] for q in queries}) == 1
    assert data["settings"]["latency_ms"] == 50


def test_trace_accepts_a_users_file_and_function(tmp_path: Path) -> None:
    target = tmp_path / "mine.py"
    target.write_text(
        '"""Counts the active users."""\n\nfrom demo_db.models import User\n\n'
        "async def helper():\n    return 1\n\n"
        "async def count_active():\n    return await User.objects.filter(active=True).acount()\n"
    )
    result = orm_viz("trace", f"{target}:count_active", "--mode", "others", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["scenario"]["function"] == "count_active"
    assert data["tasks"][0]["result"] == "5"


def test_trace_writes_to_a_file_with_output(tmp_path: Path) -> None:
    out = tmp_path / "trace.json"
    result = orm_viz("trace", "seed_corrected", "--format", "json", "--output", str(out))
    assert result.returncode == 0
    assert result.stdout == ""
    assert json.loads(out.read_text())["outcome"] == "returned"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_such_scenario", "unknown scenario 'no_such_scenario'"),
        ("missing/file.py", "no such file: missing/file.py"),
        (f"{TEST_SCENARIOS / 'not_async.py'}:main", "not_async.py:main is not an async def"),
        (f"{TEST_SCENARIOS / 'not_async.py'}", "not_async.py defines no async def function"),
        (f"{TEST_SCENARIOS / 'writes.py'}:nope", "has no function 'nope'"),
    ],
)
def test_bad_targets_get_one_line_and_exit_code_2(target: str, message: str) -> None:
    result = orm_viz("trace", target)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_a_syntax_error_gets_one_line_and_exit_code_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("async def main(:\n    pass\n")
    result = orm_viz("trace", str(broken))
    assert result.returncode == 2
    assert result.stderr.strip() == f"orm-viz: syntax error in {broken}, line 1: invalid syntax"


def test_bad_options_get_one_line_and_exit_code_2() -> None:
    result = orm_viz("trace", "seed_corrected", "--latency", "soon")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_list_shows_every_bundled_scenario_with_its_title() -> None:
    result = orm_viz("list")
    assert result.returncode == 0
    assert "seed_as_written" in result.stdout
    assert "TypeError" in result.stdout
    for name in ("seed_corrected", "gather_serialized", "ticker_alongside"):
        assert name in result.stdout


def test_a_reader_that_stops_early_is_not_an_error() -> None:
    listing = subprocess.Popen(
        [sys.executable, "-m", "orm_viz", "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert listing.stdout is not None
    listing.stdout.close()  # like `orm-viz list | head -0`
    _, errors = listing.communicate(timeout=60)
    assert listing.returncode == 0
    assert b"Traceback" not in errors
