"""A blocking call in async code stalls the whole event loop.

`time.sleep()` (or any sync I/O) inside a coroutine blocks the loop thread:
the ticker, which ran every 50 ms, stops until the sleep ends. orm-viz flags
the blocked stretch in the loop's lane.
"""

import asyncio
import time

TITLE = "time.sleep() in async code: the loop is blocked and the ticker stalls"
SNAPSHOT = [
    "A sync call inside a coroutine runs on the loop thread: nothing else can run.",
    "The ticker stalls for the whole sleep; the blocked stretch is flagged.",
    "Use await asyncio.sleep(), or sync_to_async for blocking work.",
]
EXPECTED = ("returns", None)


async def ticker(stop):
    ticks = 0
    while not stop.is_set():
        await asyncio.sleep(0.05)
        ticks += 1
    return ticks


async def main():
    stop = asyncio.Event()
    ticking = asyncio.create_task(ticker(stop), name="ticker")
    await asyncio.sleep(0.2)  # the ticker runs
    time.sleep(0.3)  # blocks the loop: the ticker cannot run
    await asyncio.sleep(0.2)  # the ticker runs again
    stop.set()
    return await ticking
