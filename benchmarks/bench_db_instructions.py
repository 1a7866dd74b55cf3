"""The tracer's cost per query in CPU instructions: a figure that does not drift.

``bench_db.py`` times the budget's case, but on a shared machine its rounds swing
by more than the tracer's whole cost. Instructions executed do not: this counts
them with valgrind (callgrind) for the same two workloads, traced and untraced,
at 100 and at 400 queries, and prints the difference divided by 300, so Django
setup, thread start-up and teardown cancel out. Needs ``valgrind`` on PATH
(``apt-get install valgrind``); without it, says so and exits 0.

It runs four processes under valgrind per workload, two at a time: about a
minute and a half.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SMALL, LARGE = 100, 400


def child(mode: str, queries: int, workload: str) -> None:
    """One traced or untraced run of ``queries`` counts (run under valgrind)."""
    import bench_db

    from orm_viz.db.demo import configure_django

    configure_django()
    bench_db.QUERIES = queries
    work = bench_db.count_log_entries if workload == "db" else bench_db.count_users
    (bench_db.traced_seconds if mode == "traced" else bench_db.untraced_seconds)(work)


def instructions(mode: str, queries: int, workload: str) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        mode,
        str(queries),
        workload,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_query(mode: str, workload: str, pool: ThreadPoolExecutor) -> float:
    small, large = pool.map(lambda n: instructions(mode, n, workload), (SMALL, LARGE))
    return (large - small) / (LARGE - SMALL)


def main() -> None:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: no instruction counts (apt-get install valgrind)")
        return
    names = {
        "db": "DB-bound: LogEntry.objects.filter(message__contains='7').acount()",
        "hop": "hop-bound: User.objects.acount() on 8 rows",
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        for workload, name in names.items():
            plain = per_query("untraced", workload, pool)
            traced = per_query("traced", workload, pool)
            print(f"{name}, instructions per query (callgrind, {LARGE} - {SMALL} queries):")
            print(f"  untraced {plain:12,.0f}")
            print(f"  traced   {traced:12,.0f}   (+{traced - plain:,.0f})")
            print(f"  ratio traced/untraced = {traced / plain:.3f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
