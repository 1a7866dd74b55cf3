"""A ticker keeps ticking while a slow query runs: the event loop is free.

The query runs in a DB thread; the loop is not blocked, so other coroutines
(here a ticker) keep running. Trace it with `--mode others` to hold the main
coroutine at each step while the ticker runs free.
"""

import asyncio

from demo_db.models import User

TITLE = "A ticker keeps ticking while a slow query runs"
FOCUS = "main"
LATENCY_MS = 500


async def ticker(stop):
    ticks = 0
    while not stop.is_set():
        await asyncio.sleep(0.1)
        ticks += 1
    return ticks


async def main():
    stop = asyncio.Event()
    ticking = asyncio.create_task(ticker(stop), name="ticker")
    active = await User.objects.filter(active=True).acount()
    stop.set()
    ticks = await ticking
    return active, ticks


SNAPSHOT = [
    "While a query runs in the DB thread, the event loop is free: other coroutines run.",
    "Trace with --mode others to hold main at each step and watch the ticker tick meanwhile.",
]
KEY_MOMENTS = [
    ("main sends its query and waits; the ticker keeps running.", {"kind": "query_execute"}),
    ("main gets the count back.", {"data_received": True}),
]
QUIZ = [
    {
        "question": "Did the ticker tick while main waited for its (slow) query?",
        "choices": ["Yes", "No"],
        "answer": lambda trace: "Yes" if trace.tasks[2].result not in ("0", "") else "No",
        "hint": "Compare the ticker task's result with the query's duration.",
    }
]
EXPECTED = ("returns", None)
