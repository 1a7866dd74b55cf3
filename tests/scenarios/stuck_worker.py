"""A worker thread stuck in a long C call (a test fixture)."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

EXECUTOR = ThreadPoolExecutor(1)


async def main():
    await asyncio.get_running_loop().run_in_executor(EXECUTOR, time.sleep, 3)
    return "ok"
