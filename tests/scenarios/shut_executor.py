"""Submitting to a shut-down executor raises; the scenario carries on."""

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor


async def main():
    ex = ThreadPoolExecutor(2)
    ex.shutdown()
    with contextlib.suppress(RuntimeError):
        await asyncio.get_running_loop().run_in_executor(ex, print, "x")
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    return "ok"
