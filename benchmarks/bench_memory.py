"""Memory per recorded step, and jumping around a 100,000-step trace.

A real run: 100,000 awaits, each recorded as a step with its line, locals and
await chain. Memory is what the trace holds afterwards (tracemalloc, the run's
own objects freed). A jump moves the cursor and reads the step the way a view
does: its rendered locals and chain.

Budgets (DESIGN §6): <= 600 bytes per step; jump to any step <= 5 ms median.
"""

from __future__ import annotations

import asyncio
import gc
import random
import statistics
import time
import tracemalloc

from orm_viz.trace import LoopFactory

STEPS = 100_000
JUMPS = 2_000


async def long_run() -> int:
    total = 0
    label = "counting"
    for i in range(STEPS - 2):
        await asyncio.sleep(0)
        total += i
    return total + len(label)


def main() -> None:
    factory = LoopFactory(name="long_run")
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(long_run())
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    trace = factory.trace
    steps = len(trace)
    print(f"{steps:,} steps recorded, {trace.dropped_steps} dropped")
    print(
        f"memory held by the trace: {held / 1e6:.1f} MB = {held / steps:.0f} bytes per step"
        "  (budget <= 600)"
    )

    rng = random.Random(7)
    targets = [rng.randrange(steps) for _ in range(JUMPS)]
    timings = []
    for index in targets:
        started = time.perf_counter()
        step = trace.jump(index)
        assert step is not None
        assert step.index == index
        _ = (step.locals, step.chain, step.line)
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings) * 1000
    worst = max(timings) * 1000
    print(
        f"jump to a random step and read it: median {median:.3f} ms, worst {worst:.3f} ms"
        f" over {JUMPS:,} jumps  (budget <= 5 ms median)"
    )


if __name__ == "__main__":
    main()
