"""Tracing overhead on a DB-bound scenario: 500 `await User.objects.acount()`.

Traced: a TracedRun in free mode (nothing held) with the Django instrument, on a
fresh copy of the demo database. Untraced: the same coroutine under a plain
asyncio.Runner, in a thread of its own and its own ThreadSensitiveContext, on
another fresh copy. Same process, interleaved rounds.

Budget (DESIGN §6): traced / untraced <= 1.10.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import threading
import time

from orm_viz.db.demo import configure_django, fresh_copy
from orm_viz.db.django_hooks import DjangoInstrument
from orm_viz.trace import Mode, TracedRun, scenario_info_for

QUERIES = 500
ROUNDS = 5


async def count_users() -> int:
    from demo_db.models import User

    total = 0
    for _ in range(QUERIES):
        total += await User.objects.acount()
    return total


def untraced_seconds() -> float:
    from asgiref.sync import ThreadSensitiveContext
    from django.db import connections

    database = fresh_copy()
    timing: list[float] = []

    async def main() -> None:
        async with ThreadSensitiveContext():
            await point_worker_at(database)
            started = time.perf_counter()
            await count_users()
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


def traced_seconds() -> float:
    database = fresh_copy()
    run = TracedRun(
        count_users,
        scenario=scenario_info_for(count_users),
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


def main() -> None:
    configure_django()
    untraced_seconds(), traced_seconds()  # warm up both paths
    plain, hooked = [], []
    for _ in range(ROUNDS):
        plain.append(untraced_seconds())
        hooked.append(traced_seconds())
    a, b = statistics.median(plain), statistics.median(hooked)
    print(f"DB-bound overhead, {QUERIES} x await User.objects.acount(), median of {ROUNDS}:")
    print(f"  untraced {a * 1000:8.1f} ms  ({a / QUERIES * 1e6:.0f} us per query)")
    print(f"  traced   {b * 1000:8.1f} ms  ({b / QUERIES * 1e6:.0f} us per query)")
    print(f"  ratio traced/untraced = {b / a:.3f}  (budget <= 1.10)")


if __name__ == "__main__":
    main()
