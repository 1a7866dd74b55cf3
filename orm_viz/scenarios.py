"""Find and load scenarios: bundled lessons by name, or a user's ``file.py[:function]``.

A scenario is a module with a docstring, one async entry function and a few
optional upper-case settings (see ``docs/scenarios.md``). Loading one imports
the demo models, so Django is configured first.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import itertools
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from orm_viz.trace.store import ScenarioInfo

_module_numbers = itertools.count(1)


class ScenarioError(ValueError):
    """A target that cannot be traced; the message is one line for the user."""


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario, ready to run."""

    name: str
    path: Path
    function_name: str
    func: Callable[..., Coroutine[Any, Any, Any]]
    source: str
    title: str
    latency_ms: float = 0.0
    expected: tuple[str, str | None] = ("returns", None)
    focus: str | None = None
    module: ModuleType | None = field(default=None, compare=False, repr=False)

    def lesson(self, trace: Any = None) -> dict[str, Any]:
        """The scenario's lesson as plain data: title, snapshot, key moments, extra questions.

        Extra quiz questions may compute their answer (and choices) from the finished
        trace: ``{"question": ..., "answer": lambda trace: ..., ...}``. They are
        resolved here when ``trace`` is given, so a saved trace carries the results.
        """
        module = self.module
        snapshot = getattr(module, "SNAPSHOT", None) or _docstring_lines(module)
        moments = [
            {"text": text, "where": dict(where), "which": which}
            for text, where, which in _moments(getattr(module, "KEY_MOMENTS", ()))
        ]
        quiz = []
        for question in getattr(module, "QUIZ", ()):
            resolved = (
                {key: value(trace) if callable(value) else value for key, value in question.items()}
                if trace is not None or not _has_callables(question)
                else None
            )
            if resolved is not None:
                resolved.setdefault("hint", "")
                resolved["choices"] = [str(c) for c in resolved["choices"]]
                resolved["answer"] = str(resolved["answer"])
                if resolved["answer"] not in resolved["choices"] or len(resolved["choices"]) > 8:
                    raise ScenarioError(
                        f"{self.path.name}: QUIZ question {resolved['question'][:40]!r} "
                        "computed an answer that is not one of its (at most 8) choices"
                    )
                quiz.append(resolved)
        return {
            "title": self.title,
            "snapshot": list(snapshot),
            "key_moments": moments,
            "quiz": quiz,
        }

    @property
    def info(self) -> ScenarioInfo:
        code = self.func.__code__
        return ScenarioInfo(
            name=self.name,
            path=str(self.path),
            function=self.function_name,
            source=self.source,
            first_line=code.co_firstlineno,
        )


def _docstring_lines(module: ModuleType | None) -> list[str]:
    """The docstring's paragraphs, each on one line."""
    doc = (inspect.getdoc(module) or "") if module is not None else ""
    return [" ".join(p.split()) for p in doc.split("\n\n") if p.strip()]


def _moments(declared: Any) -> list[tuple[str, dict[str, Any], str]]:
    moments = []
    for item in declared:
        text, where, *rest = item
        moments.append((str(text), dict(where), rest[0] if rest else "first"))
    return moments


def _has_callables(question: dict[str, Any]) -> bool:
    return any(callable(value) for value in question.values())


def bundled_dir() -> Path:
    """Where the bundled scenarios are: inside the installed package, or the source tree."""
    package = Path(__file__).resolve().parent
    installed = package / "_bundled" / "scenarios"
    return installed if installed.is_dir() else package.parent / "scenarios"


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.py") if not p.name.startswith("_"))


def bundled_titles() -> list[tuple[str, str]]:
    """(name, title) for every bundled scenario, read without importing them."""
    return [(summary.name, summary.title) for summary in bundled_summaries()]


@dataclass(frozen=True, slots=True)
class Summary:
    """What a picker shows of a scenario, read from its source without importing it."""

    name: str
    title: str
    snapshot: tuple[str, ...]


def bundled_summaries() -> list[Summary]:
    return [summarize(bundled_dir() / f"{name}.py") for name in bundled_names()]


def summarize(path: Path) -> Summary:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in ("TITLE", "SNAPSHOT"):
                    # Not a literal: no preview; the loader reports bad metadata when run.
                    with contextlib.suppress(ValueError):
                        constants[target.id] = ast.literal_eval(node.value)
    doc = (ast.get_docstring(tree) or "").strip()
    title = constants.get("TITLE")
    if not isinstance(title, str):
        title = doc.splitlines()[0] if doc else path.stem
    snapshot = constants.get("SNAPSHOT")
    if isinstance(snapshot, str):
        snapshot = [snapshot]
    lines = tuple(str(line) for line in snapshot) if isinstance(snapshot, list) else ()
    return Summary(path.stem, title, lines)


def resolve(target: str) -> tuple[Path, str | None, str]:
    """Split TARGET into (file, function or None, display name).

    Raises:
        ScenarioError: unknown bundled name or missing file.
    """
    if not target.strip():
        raise ScenarioError("no scenario given: pass a bundled name or path/to/file.py[:function]")
    file_part, _, function = target.partition(":")
    if file_part.endswith(".py") or "/" in file_part or "\\" in file_part:
        path = Path(file_part).expanduser()
        if not path.is_file():
            raise ScenarioError(f"no such file: {file_part}")
        return path.resolve(), function or None, path.stem
    bundled = bundled_dir() / f"{file_part}.py"
    if not bundled.is_file() or file_part.startswith("_"):
        known = ", ".join(bundled_names())
        raise ScenarioError(f"unknown scenario {file_part!r}; bundled scenarios: {known}")
    return bundled, function or None, file_part


def load(target: str) -> Scenario:
    """Load TARGET (a bundled name or ``file.py[:function]``).

    Raises:
        ScenarioError: with one line saying what is wrong.
    """
    path, function_name, name = resolve(target)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"cannot read {path}: {error}") from None
    try:
        compile(source, str(path), "exec")
    except SyntaxError as error:
        raise ScenarioError(f"syntax error in {path}, line {error.lineno}: {error.msg}") from None

    from orm_viz.db.demo import configure_django

    configure_django()
    module = _import_file(path)
    function_name = function_name or _entry_name(module, path)
    func = getattr(module, function_name, None)
    if func is None:
        raise ScenarioError(f"{path.name} has no function {function_name!r}")
    if not inspect.iscoroutinefunction(func):
        raise ScenarioError(f"{path.name}:{function_name} is not an async def function")
    _check_metadata(module, path.name)
    return Scenario(
        name=name,
        path=path,
        function_name=function_name,
        func=func,
        source=source,
        title=str(getattr(module, "TITLE", None) or summarize(path).title),
        latency_ms=float(getattr(module, "LATENCY_MS", 0)),
        expected=tuple(getattr(module, "EXPECTED", ("returns", None))),  # type: ignore[arg-type]
        focus=getattr(module, "FOCUS", None),
        module=module,
    )


_ROW_FIELDS = {
    "number",
    "step",
    "kind",
    "action",
    "line",
    "awaited",
    "query_sent",
    "data_received",
    "result",
    "sql_thread",
    "query",
}


def _check_metadata(module: ModuleType, name: str) -> None:
    """Refuse a scenario whose metadata is missing or malformed, in one line."""

    def fail(what: str) -> NoReturn:
        raise ScenarioError(f"{name}: {what} (see docs/scenarios.md)")

    if not (inspect.getdoc(module) or "").strip() and not getattr(module, "TITLE", None):
        fail("no docstring: start the file with a line saying what it shows")
    title = getattr(module, "TITLE", "")
    if not isinstance(title, str):
        fail("TITLE must be a string")
    latency = getattr(module, "LATENCY_MS", 0)
    if isinstance(latency, bool) or not isinstance(latency, int | float) or latency < 0:
        fail("LATENCY_MS must be a number of milliseconds >= 0")
    snapshot = getattr(module, "SNAPSHOT", [])
    if not isinstance(snapshot, list | tuple) or not all(isinstance(x, str) for x in snapshot):
        fail("SNAPSHOT must be a list of strings")
    for declared in ("KEY_MOMENTS", "QUIZ"):
        if not isinstance(getattr(module, declared, []), list | tuple):
            fail(f"{declared} must be a list")
    for i, moment in enumerate(getattr(module, "KEY_MOMENTS", [])):
        ok = (
            isinstance(moment, tuple | list)
            and len(moment) in (2, 3)
            and isinstance(moment[0], str)
            and isinstance(moment[1], dict)
            and set(moment[1]) <= _ROW_FIELDS
            and (len(moment) == 2 or moment[2] in ("first", "last"))
        )
        if not ok:
            fail(f"KEY_MOMENTS[{i}] must be (text, {{column: value}}[, 'first'|'last'])")
    for i, question in enumerate(getattr(module, "QUIZ", [])):
        if not isinstance(question, dict) or not {"question", "choices", "answer"} <= set(question):
            fail(f"QUIZ[{i}] must be a dict with question, choices, answer (and hint)")
        choices, answer = question["choices"], question["answer"]
        if not callable(choices) and (not isinstance(choices, list | tuple) or len(choices) > 8):
            fail(f"QUIZ[{i}]: choices must be a list of at most 8")
        if not callable(choices) and not callable(answer) and answer not in choices:
            fail(f"QUIZ[{i}]: the answer is not one of the choices")
    expected = getattr(module, "EXPECTED", ("returns", None))
    if not (
        isinstance(expected, tuple)
        and len(expected) == 2
        and (expected[0] == "returns" or (expected[0] == "raises" and isinstance(expected[1], str)))
    ):
        fail('EXPECTED must be ("returns", None) or ("raises", "ExceptionName")')
    focus = getattr(module, "FOCUS", None)
    if focus is not None and not isinstance(focus, str):
        fail("FOCUS must be the name of a task (a string)")


def _import_file(path: Path) -> ModuleType:
    module_name = f"orm_viz_scenario_{next(_module_numbers)}_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ScenarioError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:  # a scenario's import may even call sys.exit()
        sys.modules.pop(module_name, None)
        raise ScenarioError(
            f"importing {path.name} failed: {type(error).__name__}: {error}"
        ) from None
    return module


def _entry_name(module: ModuleType, path: Path) -> str:
    declared = getattr(module, "ENTRY", None)
    if isinstance(declared, str):
        return declared
    candidates = [
        name
        for name, value in vars(module).items()
        if inspect.iscoroutinefunction(value)
        and getattr(value, "__module__", "") == module.__name__
    ]
    if "main" in candidates:
        return "main"
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ScenarioError(f"{path.name} defines no async def function to run")
    listed = ", ".join(candidates)
    raise ScenarioError(f"{path.name} has several async functions ({listed}): pick one with :name")
