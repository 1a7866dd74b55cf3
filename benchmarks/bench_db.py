"""Tracing overhead on DB-bound code: 500 `await ....acount()`, traced vs untraced.

Two workloads, both printed:

* DB-bound (the budget's case): each count scans the 6,000-row log table, so the
  database does real work, as in an application.
* hop-bound: each count reads the 8-row user table, so the run is almost only
  thread hops; this shows the tracer's fixed cost per query.

Traced: a TracedRun in free mode (nothing held) with the Django instrument, on a
fresh copy of the demo database. Untraced: the same coroutine under a plain
asyncio.Runner, in a thread of its own and its own ThreadSensitiveContext, on
another fresh copy. Same process, paired rounds (see ``compare``).

Budget (DESIGN §6): traced / untraced <= 1.10 on the DB-bound workload.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

from orm_viz.db.demo import configure_django, fresh_copy
from orm_viz.db.django_hooks import DjangoInstrument
from orm_viz.trace import Mode, TracedRun, scenario_info_for

QUERIES = 500
ROUNDS = 11


async def count_log_entries() -> int:
    from demo_db.models import LogEntry

    total = 0
    for _ in range(QUERIES):
        total += await LogEntry.objects.filter(message__contains="7").acount()
    return total


async def count_users() -> int:
    from demo_db.models import User

    total = 0
    for _ in range(QUERIES):
        total += await User.objects.acount()
    return total


def untraced_seconds(workload: Callable[[], Coroutine[Any, Any, int]]) -> float:
    from asgiref.sync import ThreadSensitiveContext
    from django.db import connections

    database = fresh_copy()
    timing: list[float] = []

    async def main() -> None:
        async with ThreadSensitiveContext():
            await point_worker_at(database)
            started = time.perf_counter()
            await workload()
            timing.append(time.perf_counter() - started)
            await close_worker_connection()

    async def point_worker_at(path: object) -> None:
        from asgiref.sync import sync_to_async

        def point() -> None:
            connection = connections["default"]
            connection.settings_dict = {**connection.settings_dict, "NAME": str(path)}

        await sync_to_async(point)()

    async def close_worker_connection() -> None:
        from asgiref.sync import sync_to_async

        await sync_to_async(lambda: connections["default"].close())()

    thread = threading.Thread(target=lambda: asyncio.run(main()))
    thread.start()
    thread.join()
    shutil.rmtree(database.parent)
    return timing[0]


def traced_seconds(workload: Callable[[], Coroutine[Any, Any, int]]) -> float:
    database = fresh_copy()
    run = TracedRun(
        workload,
        scenario=scenario_info_for(workload),
        mode=Mode.FREE,
        instruments=[DjangoInstrument(str(database))],
    )
    run.start()
    assert run.hub.wait_until(lambda: run.trace.finished, timeout=120)
    task = run.trace.tasks[1]
    shutil.rmtree(database.parent)
    assert task.outcome == "returned", task
    assert len(run.trace.queries) == QUERIES
    # The run's own time, first task start to main task end (thread start-up excluded).
    return task.ended_t - task.created_t


def compare(name: str, workload: Callable[[], Coroutine[Any, Any, int]], budget: str) -> None:
    """Paired rounds: each round times both, in alternating order, and gives one ratio.

    The machine's speed drifts between rounds (a VM's neighbours, frequency changes) by
    more than the tracer's cost, so each round's two runs are compared with each other,
    and the ratio reported is the median of the rounds' ratios.
    """
    untraced_seconds(workload), traced_seconds(workload)  # warm up both paths
    plain, hooked, ratios = [], [], []
    for round_ in range(ROUNDS):
        if round_ % 2:
            b = traced_seconds(workload)
            a = untraced_seconds(workload)
        else:
            a = untraced_seconds(workload)
            b = traced_seconds(workload)
        plain.append(a)
        hooked.append(b)
        ratios.append(b / a)
    a, b = statistics.median(plain), statistics.median(hooked)
    print(f"{name}, {ROUNDS} paired rounds:")
    print(f"  untraced median {a * 1000:8.1f} ms  ({a / QUERIES * 1e6:.0f} us per query)")
    print(f"  traced   median {b * 1000:8.1f} ms  ({b / QUERIES * 1e6:.0f} us per query)")
    low, high = min(ratios), max(ratios)
    print(
        f"  ratio traced/untraced = {statistics.median(ratios):.3f}  {budget}"
        f"  (rounds: {low:.3f} to {high:.3f})"
    )


def main() -> None:
    configure_django()
    compare(
        f"DB-bound: {QUERIES} x LogEntry.objects.filter(message__contains='7').acount()",
        count_log_entries,
        "(budget <= 1.10)",
    )
    compare(
        f"hop-bound: {QUERIES} x User.objects.acount() on 8 rows",
        count_users,
        "(no budget: the tracer's fixed cost per thread hop)",
    )


if __name__ == "__main__":
    main()
