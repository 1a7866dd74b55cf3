"""The headless core imports neither Textual nor Django."""

from __future__ import annotations

import subprocess
import sys


def modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(output.split())


def test_importing_the_trace_core_does_not_import_textual_or_django() -> None:
    loaded = modules_loaded_by("import orm_viz.trace, orm_viz.trace.export")
    assert "textual" not in loaded
    assert "django" not in loaded


def test_the_command_line_starts_without_django_or_textual() -> None:
    loaded = modules_loaded_by("import orm_viz.cli")
    assert not {"textual", "django", "orm_viz.trace"} & loaded
