"""A run for bench_tui.py: 100,000 quick awaits, then one more step every 5 ms for 10 s,
so the app is shown a live trace past 100,000 steps that keeps growing."""

import asyncio

QUICK = 100_000
SLOW = 2_000


async def main() -> int:
    total = 0
    for i in range(QUICK):
        await asyncio.sleep(0)
        total += i
    for _ in range(SLOW):
        await asyncio.sleep(0.005)
    return total
