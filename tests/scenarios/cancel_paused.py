"""A child task is cancelled while it is paused at a gate (a test fixture)."""

import asyncio

from demo_db.models import User


async def slow_count():
    return await User.objects.acount()


async def main():
    child = asyncio.create_task(slow_count(), name="slow_count")
    await asyncio.sleep(0)
    child.cancel()
    try:
        await child
    except asyncio.CancelledError:
        return "cancelled"
    return "not cancelled"
