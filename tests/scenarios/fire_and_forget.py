"""Focused task dispatches a job and keeps going."""

import asyncio

from demo_db.models import User


def rows():
    return len(list(User.objects.all()))


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.run_in_executor(None, rows)
    await asyncio.sleep(0.05)
    await asyncio.sleep(0.05)
    n = await fut
    return n
