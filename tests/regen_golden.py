"""Regenerate the golden renderings from the saved trace fixtures (run by hand, then review).

python tests/regen_golden.py
"""

from __future__ import annotations

from pathlib import Path

from orm_viz.trace.export import load_path
from orm_viz.views.formats import render_markdown, render_table

HERE = Path(__file__).parent

if __name__ == "__main__":
    trace = load_path(HERE / "fixtures" / "seed_corrected.json")
    for width in (80, 120):
        (HERE / "golden" / f"seed_corrected.table.{width}.txt").write_text(
            render_table(trace, width=width), encoding="utf-8"
        )
    (HERE / "golden" / "seed_corrected.md").write_text(render_markdown(trace), encoding="utf-8")
