"""Focused task times out while its query is still running."""

import asyncio

from demo_db.models import User

LATENCY_MS = 300


async def main():
    try:
        async with asyncio.timeout(0.05):
            await User.objects.acount()
    except TimeoutError:
        pass
    await asyncio.sleep(0)
    await asyncio.sleep(0.5)
    return "done"
