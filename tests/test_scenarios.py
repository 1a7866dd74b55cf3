"""Every bundled scenario, run for real: the fact it teaches, measured from its trace.

Facts are compared by meaning (tables, row counts, threads, times), never by the
exact SQL text, which differs between Django versions.
"""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path

import pytest

from orm_viz.scenarios import ScenarioError, bundled_names, load
from orm_viz.trace import EventKind, Mode, StepKind
from orm_viz.views.lanes import blocked_stretches
from orm_viz.views.story import execution_table, variable_tracker
from tests.conftest import step_to_end

ALL = bundled_names()


def test_the_library_has_every_lesson_the_product_promises() -> None:
    assert set(ALL) >= {
        "seed_as_written", "seed_corrected", "crud_tour", "forgot_await", "async_for_one_hop",
        "aiterator_chunks", "gather_serialized", "sequential_vs_gather", "separate_contexts",
        "aiosqlite_parallel", "ticker_alongside", "blocking_the_loop", "lazy_fk_pitfall",
        "n_plus_one_async", "transaction_in_async", "timeout_while_paused",
    }  # fmt: skip


@pytest.mark.parametrize("name", ALL)
def test_every_scenario_has_its_metadata_and_ends_as_it_declares(traced, name: str) -> None:
    scenario = load(name)
    lesson = scenario.lesson()
    assert scenario.title
    assert lesson["snapshot"], "a concept snapshot"
    assert scenario.module.__doc__
    assert scenario.module.__doc__.strip()
    trace = traced(name, Mode.FREE)
    outcome, exception = scenario.expected
    assert trace.tasks[1].outcome == ("returned" if outcome == "returns" else "raised")
    if exception:
        assert trace.tasks[1].result.startswith(f"{exception}:")
    assert not [e for e in trace.events if e.kind is EventKind.RECORDER_ERROR]


def hops(trace, task: int = 1) -> list:  # type: ignore[no-untyped-def]
    return sorted((j for j in trace.jobs.values() if j.task == task), key=lambda j: j.id)


def verbs(trace, job) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        q.sql.split()[0].upper()
        for q in sorted(trace.queries.values(), key=lambda q: q.id)
        if q.job == job.id
    ]


def test_seed_as_written_raises_type_error_before_any_query(traced) -> None:
    trace = traced("seed_as_written")
    assert "can't be used in 'await' expression" in trace.tasks[1].result
    assert trace.queries == {}
    assert trace.jobs == {}
    assert "acount" in " ".join(load("seed_as_written").lesson()["snapshot"])  # the fix


def test_crud_tour_each_a_method_is_one_hop_with_its_sql(traced) -> None:
    trace = traced("crud_tour", Mode.FREE)
    jobs = hops(trace)
    assert [j.function.split(".")[-1] for j in jobs] == [
        "create", "get", "first", "exists", "count", "update", "delete", "get_or_create",
    ]  # fmt: skip
    assert len({j.thread for j in jobs}) == 1
    first_verbs = [verbs(trace, j)[0] for j in jobs]
    assert first_verbs[:6] == ["INSERT", "SELECT", "SELECT", "SELECT", "SELECT", "UPDATE"]
    assert "DELETE" in verbs(trace, jobs[6])  # adelete: several statements, one hop
    assert verbs(trace, jobs[7]) == ["SELECT"]  # aget_or_create found the row: no INSERT
    update = next(q for q in trace.queries.values() if q.sql.startswith("UPDATE"))
    assert update.rows == 3


def test_forgot_await_gives_a_coroutine_and_a_never_awaited_warning(traced) -> None:
    trace = traced("forgot_await")
    assert trace.tasks[1].result == "'coroutine'"
    assert trace.queries == {}
    assert trace.jobs == {}
    warnings = [e for e in trace.events if e.kind is EventKind.WARNING]
    assert [e.text for e in warnings] == [
        "RuntimeWarning: coroutine 'QuerySet.acount' was never awaited"
    ]
    # On the line that called acount() (through the Manager's method) without await.
    source = trace.scenario.source.splitlines()
    assert "count = User.objects.acount()" in source[warnings[0].line - 1]
    tracker = variable_tracker(trace)
    assert tracker.cells["count"][-1].text.startswith("<coroutine QuerySet.acount")


def test_async_for_makes_one_hop_then_yields_rows_without_suspending(traced) -> None:
    trace = traced("async_for_one_hop")
    jobs = hops(trace)
    assert [j.function for j in jobs] == ["QuerySet._fetch_all"]
    assert jobs[0].rows == 9
    kinds = [s.kind for s in trace.iter_steps()]
    assert kinds.count(StepKind.TASK_RESUME) == 1  # nine rows, one resume
    assert eval(trace.tasks[1].result.replace("…+3", "")).__len__() == 6  # rendered, capped


def test_aiterator_makes_one_hop_per_chunk(traced) -> None:
    trace = traced("aiterator_chunks", Mode.FREE)
    jobs = hops(trace)
    assert all(j.function.endswith("next_slice") for j in jobs)
    assert [j.rows for j in jobs] == [2000, 2000, 2000, 0]  # 3 chunks, then the end
    assert len(trace.queries) == 1  # one SELECT, read chunk by chunk
    assert next(iter(trace.queries.values())).rows == 6000
    assert trace.tasks[1].result == "6000"


def span(queries) -> float:  # type: ignore[no-untyped-def]
    return max(q.end for q in queries) - min(q.start for q in queries)


def test_gather_runs_three_queries_in_at_least_three_latencies(traced) -> None:
    latency = 0.1
    trace = traced("gather_serialized", Mode.FREE, latency_ms=latency * 1000)
    queries = list(trace.queries.values())
    assert len({q.thread for q in queries}) == 1
    assert span(queries) >= 3 * latency


def test_sequential_and_gathered_queries_take_the_same_time(traced) -> None:
    latency = 0.1
    trace = traced("sequential_vs_gather", Mode.FREE, latency_ms=latency * 1000)
    queries = sorted(trace.queries.values(), key=lambda q: q.start)
    sequential, gathered = queries[:3], queries[3:]
    assert {q.task for q in sequential} == {1}
    assert len({q.task for q in gathered}) == 3
    assert len({q.thread for q in queries}) == 1
    assert span(sequential) >= 3 * latency
    assert span(gathered) >= 3 * latency
    assert abs(span(gathered) - span(sequential)) < latency


def test_separate_contexts_overlap_on_three_threads(traced) -> None:
    latency = 0.2
    trace = traced("separate_contexts", Mode.FREE, latency_ms=latency * 1000)
    queries = list(trace.queries.values())
    assert len({q.thread for q in queries}) == 3
    assert max(q.start for q in queries) < min(q.end for q in queries)  # all three at once
    assert span(queries) < 2 * latency


def test_aiosqlite_three_connections_overlap_and_one_connection_does_not(traced) -> None:
    latency = 0.1
    trace = traced("aiosqlite_parallel", Mode.FREE, latency_ms=latency * 1000)
    executes = sorted(
        (j for j in trace.jobs.values() if j.function.endswith("Connection.execute")),
        key=lambda j: j.started,
    )
    apart, shared = executes[:3], executes[3:]
    assert len({j.thread for j in apart}) == 3
    assert max(j.started for j in apart) < min(j.finished for j in apart)
    assert len({j.thread for j in shared}) == 1
    for earlier, later in itertools.pairwise(shared):
        assert earlier.finished <= later.started
    assert shared[-1].finished - shared[0].started >= 3 * latency
    assert all(q.rows == 1 for q in trace.queries.values())


def test_the_ticker_ticks_while_the_slow_query_runs(traced) -> None:
    trace = traced("ticker_alongside", Mode.FREE, latency_ms=400)
    query = next(iter(trace.queries.values()))
    ticks = [s for s in trace.iter_steps() if s.task == 2 and s.kind is StepKind.TASK_RESUME]
    during = [s for s in ticks if query.start < s.t < query.end]
    assert len(during) >= 2
    assert not blocked_stretches(trace)


def test_blocking_the_loop_stalls_the_ticker_and_is_flagged(traced) -> None:
    trace = traced("blocking_the_loop", Mode.FREE)
    blocks = blocked_stretches(trace)
    assert len(blocks) == 1
    assert blocks[0].end - blocks[0].start >= 0.3
    ticks = [s.t for s in trace.iter_steps() if s.task == 2 and s.kind is StepKind.TASK_RESUME]
    assert max(b - a for a, b in itertools.pairwise(ticks)) >= 0.3  # the stall
    assert not [t for t in ticks if blocks[0].start + 0.01 < t < blocks[0].end - 0.01]


def test_a_lazy_foreign_key_raises_and_select_related_fixes_it(traced) -> None:
    trace = traced("lazy_fk_pitfall")
    assert trace.tasks[1].result == "('SynchronousOnlyOperation', 'Ada Lovelace')"
    queries = sorted(trace.queries.values(), key=lambda q: q.id)
    assert len(queries) == 2  # the lazy load never ran
    assert "demo_db_author" not in queries[0].sql
    assert re.search(r"JOIN\s+\"demo_db_author\"", queries[1].sql)


def test_n_plus_one_sends_a_query_per_row_and_prefetch_sends_two(traced) -> None:
    trace = traced("n_plus_one_async", Mode.FREE)
    jobs = hops(trace)
    naive, prefetched = jobs[:4], jobs[4:]
    assert [j.function for j in naive] == ["QuerySet._fetch_all"] + ["QuerySet.count"] * 3
    assert sum(j.queries for j in naive) == 1 + 3
    assert len(prefetched) == 1
    assert prefetched[0].queries == 2
    assert trace.tasks[1].result == "([3, 3, 3], [3, 3, 3])"


def test_a_transaction_must_be_one_sync_function(traced) -> None:
    trace = traced("transaction_in_async", Mode.FREE)
    assert trace.tasks[1].result.startswith("('SynchronousOnlyOperation', ")
    jobs = hops(trace)
    assert [j.function for j in jobs] == ["create_and_deactivate"]  # atomic() sent nothing
    assert [v for v in verbs(trace, jobs[0]) if v != "BEGIN"] == ["INSERT", "UPDATE"]


def test_a_timeout_fires_while_the_coroutine_is_paused(run_scenario, traced) -> None:
    assert traced("timeout_while_paused", Mode.FREE).tasks[1].result == "'finished in time'"
    controller = run_scenario("timeout_while_paused")
    controller.step()  # main is paused right before its first sleep
    time.sleep(0.6)  # a person looking at the screen for 0.6 s: the 0.5 s timeout runs on
    trace = step_to_end(controller)
    assert trace.tasks[1].result == "'timed out'"


def test_the_table_of_every_scenario_starts_with_the_call(traced) -> None:
    rows = execution_table(traced("crud_tour", Mode.FREE))
    assert rows[0].action == "Call main()"
    assert sum(1 for r in rows if r.kind == "query_execute") == len(
        traced("crud_tour", Mode.FREE).queries
    )


HEAD = '"""Doc."""\n'
MAIN = "async def main():\n    pass\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("async def main():\n    return 1\n", "no docstring"),
        (HEAD + "LATENCY_MS = -5\n" + MAIN, "LATENCY_MS"),
        (HEAD + 'KEY_MOMENTS = [("x", {"nope": 1})]\n' + MAIN, "KEY_MOMENTS[0]"),
        (HEAD + 'QUIZ = [{"question": "q", "choices": ["a"], "answer": "b"}]\n' + MAIN, "QUIZ[0]"),
        (HEAD + 'EXPECTED = ("explodes",)\n' + MAIN, "EXPECTED"),
        (HEAD + "import no_such_module_here\n" + MAIN, "importing"),
        (HEAD + "import sys\nsys.exit(0)\n" + MAIN, "SystemExit"),
        (HEAD + "KEY_MOMENTS = 5\n" + MAIN, "KEY_MOMENTS must be a list"),
        (HEAD + 'QUIZ = [{"question": "q", "choices": 5, "answer": 5}]\n' + MAIN, "QUIZ[0]"),
    ],
)
def test_bad_metadata_in_a_users_file_is_one_clear_error(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "mine.py"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=re.escape(message)) as error:
        load(str(path))
    assert "\n" not in str(error.value)


def test_a_quiz_answer_computed_outside_its_choices_is_refused(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "mine.py"
    path.write_text(
        HEAD
        + 'QUIZ = [{"question": "q", "choices": ["a", "b"], "answer": lambda trace: "z"}]\n'
        + MAIN,
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "orm_viz", "trace", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "not one of its (at most 8) choices" in result.stderr
