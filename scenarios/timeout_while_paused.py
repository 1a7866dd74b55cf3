"""Pausing a coroutine does not stop the clock: a timeout can fire while you look.

The two sleeps take 0.2 s, well inside the 0.5 s timeout, so a free run
finishes in time. Step through it and wait more than half a second at a step:
the timeout expires while the coroutine is paused, and the result is "timed out".
"""

import asyncio

TITLE = "Time keeps running while a coroutine is paused: asyncio.timeout() can fire"
SNAPSHOT = [
    "asyncio.timeout() counts wall-clock time, paused or not.",
    "Pausing at a step for longer than the timeout makes it expire on the next step.",
]
EXPECTED = ("returns", None)


async def main():
    try:
        async with asyncio.timeout(0.5):
            await asyncio.sleep(0.1)
            await asyncio.sleep(0.1)
    except TimeoutError:
        return "timed out"
    return "finished in time"
