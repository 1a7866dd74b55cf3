"""Tracing (free mode) does not change what a program does.

Random programs built from gather, sleep, create_task, cancel, raise, TaskGroup
and timeouts return the same results, raise the same exceptions and complete in
the same order with and without the tracer.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orm_viz.trace import LoopFactory, StepKind

leaves = st.one_of(
    st.tuples(st.just("value"), st.integers(0, 9)),
    st.tuples(st.just("yield"), st.integers(0, 3)),
    st.tuples(st.just("raise"), st.sampled_from(["a", "b"])),
)


def extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(st.just("gather"), st.lists(children, min_size=1, max_size=3), st.booleans()),
        st.tuples(st.just("task"), children, st.booleans()),
        st.tuples(st.just("group"), st.lists(children, min_size=1, max_size=3)),
        st.tuples(st.just("timeout"), st.sampled_from([0, None]), children),
        st.tuples(st.just("seq"), st.lists(children, min_size=1, max_size=3)),
    )


programs = st.recursive(leaves, extend, max_leaves=8)


def describe(outcome: Any) -> Any:
    if isinstance(outcome, BaseExceptionGroup):
        return ("group", sorted(repr(describe(e)) for e in outcome.exceptions))
    if isinstance(outcome, BaseException):
        return (type(outcome).__name__, str(outcome))
    return outcome


async def run(node: tuple, log: list, path: str) -> Any:
    try:
        result = await _run(node, log, path)
    except BaseException as error:
        log.append((path, describe(error)))
        raise
    log.append((path, describe(result)))
    return result


async def _run(node: tuple, log: list, path: str) -> Any:
    op = node[0]
    if op == "value":
        return node[1]
    if op == "yield":
        for _ in range(node[1]):
            await asyncio.sleep(0)
        return node[1]
    if op == "raise":
        raise ValueError(node[1])
    if op == "seq":
        return [await run(child, log, f"{path}.{i}") for i, child in enumerate(node[1])]
    if op == "gather":
        children = [run(child, log, f"{path}.{i}") for i, child in enumerate(node[1])]
        results = await asyncio.gather(*children, return_exceptions=node[2])
        return [describe(r) for r in results]
    if op == "task":
        task = asyncio.create_task(run(node[1], log, f"{path}.t"))
        if node[2]:
            await asyncio.sleep(0)
            task.cancel()
        try:
            return await task
        except asyncio.CancelledError:
            if not node[2]:
                raise
            return "cancelled"
    if op == "group":
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run(c, log, f"{path}.{i}")) for i, c in enumerate(node[1])]
        return [t.result() for t in tasks]
    if op == "timeout":
        seconds = None if node[1] is None else 0
        try:
            async with asyncio.timeout(seconds):
                return await run(node[2], log, f"{path}.w")
        except TimeoutError:
            return "timed out"
    raise AssertionError(op)


def execute(program: tuple, loop_factory: Any) -> tuple[Any, list]:
    log: list = []

    async def main() -> Any:
        return await run(program, log, "r")

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        try:
            outcome = describe(runner.run(main()))
        except BaseException as error:
            outcome = describe(error)
    return outcome, log


def group_paths(node: tuple, path: str = "r") -> set[str]:
    """The paths of every TaskGroup node in a program."""
    op = node[0]
    if op in ("value", "yield", "raise"):
        return set()
    if op == "task":
        return group_paths(node[1], f"{path}.t")
    if op == "timeout":
        return group_paths(node[2], f"{path}.w")
    found = {path} if op == "group" else set()
    for i, child in enumerate(node[1]):
        found |= group_paths(child, f"{path}.{i}")
    return found


def comparable(program: tuple, outcome: Any, log: list) -> tuple[Any, list, list]:
    """What two runs of a program must agree on, traced or not.

    Two orders are decided by set iteration (by hash, so by memory address) and
    differ between any two untraced runs: the tasks ``asyncio.Runner`` cancels
    when main ends, and the tasks a TaskGroup cancels when a child raises. The
    entries inside an aborted group, and everything after main's end, are
    compared as a multiset; everything else in exact order.
    """
    end = next(i for i, (path, _) in enumerate(log) if path == "r")
    groups = group_paths(program)
    aborted = {
        path.rsplit(".", 1)[0]
        for path, result in log
        if path.rsplit(".", 1)[0] in groups  # a direct child of a group ...
        and isinstance(result, tuple)  # ... raised (only errors log as tuples)
        and result[0] != "CancelledError"
    }

    def inside_aborted(path: str) -> bool:
        return any(path.startswith(group + ".") for group in aborted)

    ordered = [entry for entry in log[: end + 1] if not inside_aborted(entry[0])]
    unordered = [entry for entry in log[: end + 1] if inside_aborted(entry[0])]
    unordered += log[end + 1 :]
    return outcome, ordered, sorted(map(repr, unordered))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs)
def test_traced_programs_behave_exactly_like_untraced_ones(program: tuple) -> None:
    factory = LoopFactory()
    untraced = comparable(program, *execute(program, asyncio.new_event_loop))
    traced = comparable(program, *execute(program, factory))
    assert traced == untraced
    trace = factory.trace
    ends = [s for s in trace.iter_steps() if s.kind is StepKind.TASK_END]
    assert len(ends) == len(trace.tasks)  # every task's end was recorded
    assert trace.tasks[1].outcome in ("returned", "raised")


def test_the_trace_function_runs_a_coroutine_in_its_own_thread_and_loop() -> None:
    from orm_viz.trace import trace

    async def add(a: int, b: int) -> int:
        await asyncio.sleep(0)
        return a + b

    recorded = trace(add, 2, 3)
    assert recorded.tasks[1].result == "5"
    assert [s.kind for s in recorded.iter_steps()] == [
        StepKind.TASK_START,
        StepKind.TASK_RESUME,
        StepKind.TASK_END,
    ]
    assert all(not s.paused for s in recorded.iter_steps())


def test_the_loop_factory_works_with_asyncio_run() -> None:
    import sys

    factory = LoopFactory()

    async def main() -> str:
        await asyncio.sleep(0)
        return "done"

    if sys.version_info >= (3, 12):
        assert asyncio.run(main(), loop_factory=factory) == "done"
    else:
        with asyncio.Runner(loop_factory=factory) as runner:
            assert runner.run(main()) == "done"
    assert factory.trace.tasks[1].outcome == "returned"
    assert len(factory.trace) == 3
