"""Free-run tracing overhead: 10,000 `await asyncio.sleep(0)`, traced vs untraced, same run.

Budget (DESIGN §6): traced / untraced <= 2.0.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from orm_viz.trace import LoopFactory

AWAITS = 10_000
ROUNDS = 15


async def sleeper() -> int:
    total = 0
    for i in range(AWAITS):
        await asyncio.sleep(0)
        total += i
    return total


def timed(loop_factory: object) -> float:
    started = time.perf_counter()
    with asyncio.Runner(loop_factory=loop_factory) as runner:  # type: ignore[arg-type]
        runner.run(sleeper())
    return time.perf_counter() - started


def main() -> None:
    untraced, traced, steps = [], [], 0
    for _ in range(ROUNDS):  # interleaved, so drift hits both sides alike
        untraced.append(timed(asyncio.new_event_loop))
        factory = LoopFactory()
        traced.append(timed(factory))
        steps = len(factory.trace)
    plain, hooked = statistics.median(untraced), statistics.median(traced)
    print(f"free-run overhead, {AWAITS:,} awaits of asyncio.sleep(0), {ROUNDS} interleaved rounds:")
    print(f"  untraced median {plain * 1000:7.1f} ms, best {min(untraced) * 1000:7.1f} ms")
    print(
        f"  traced   median {hooked * 1000:7.1f} ms, best {min(traced) * 1000:7.1f} ms"
        f"   ({steps:,} steps recorded)"
    )
    print(
        f"  ratio traced/untraced: median {hooked / plain:.2f}, "
        f"best {min(traced) / min(untraced):.2f}  (budget <= 2.00)"
    )


if __name__ == "__main__":
    main()
