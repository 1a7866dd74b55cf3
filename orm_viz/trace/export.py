"""Traces as versioned JSON (documented in ``docs/trace-format.md``), and back.

JSON only, never pickle. Loading validates the version, the required fields,
their types and sizes, so a hostile or damaged file gives one clear error
(:class:`TraceFormatError`) instead of a crash deep inside a view.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from orm_viz.trace.records import (
    Event,
    EventKind,
    JobRecord,
    QueryRecord,
    Step,
    StepKind,
    TaskRecord,
)
from orm_viz.trace.render import CapturedLocals, Rendered, shared_names
from orm_viz.trace.store import ScenarioInfo, Trace

FORMAT_NAME = "orm-viz-trace"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_STRING = 1_000_000
MAX_ITEMS = 2_000_000


class TraceFormatError(ValueError):
    """A saved trace that cannot be loaded; the message is one line."""


def trace_to_dict(trace: Trace) -> dict[str, Any]:
    """The whole trace as plain JSON-ready data."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "scenario": asdict(trace.scenario),
        "environment": dict(trace.environment),
        "settings": dict(trace.settings),
        "lesson": trace.lesson,
        "outcome": trace.outcome,
        "finished": trace.finished,
        "dropped_steps": trace.dropped_steps,
        "dropped_events": trace.dropped_events,
        "steps": [_step_to_dict(step) for step in trace.iter_steps()],
        "released": [[index, t] for index, t in sorted(trace.release_times.items())],
        "events": [event._asdict() for event in trace.event_list()],
        "tasks": [task._asdict() for task in trace.task_list()],
        "jobs": [job._asdict() for job in trace.job_list()],
        "queries": [query._asdict() for query in trace.query_list()],
    }


def _step_to_dict(step: Step) -> dict[str, Any]:
    data = step._asdict()
    del data["captured_locals"], data["captured_chain"]
    data["locals"] = [list(pair) for pair in step.locals]
    data["chain"] = step.chain
    return data


def dumps(trace: Trace, *, indent: int | None = 1) -> str:
    return json.dumps(trace_to_dict(trace), indent=indent, ensure_ascii=False)


# ---------------------------------------------------------------- loading


def load_path(path: str | Path) -> Trace:
    """Read a saved trace file.

    Raises:
        TraceFormatError: unreadable, too large, not JSON, or not a valid trace.
    """
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as error:
        raise TraceFormatError(f"cannot read {file}: {error.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise TraceFormatError(f"{file} is {size} bytes; saved traces are at most {MAX_FILE_BYTES}")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TraceFormatError(f"cannot read {file}: {error}") from None
    return loads(text)


def loads(text: str) -> Trace:
    try:
        data = json.loads(text)
    except RecursionError:
        raise TraceFormatError("not a trace: JSON nested too deeply") from None
    except json.JSONDecodeError as error:
        raise TraceFormatError(f"not JSON: {error.msg} at line {error.lineno}") from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise TraceFormatError(f"not a valid trace: {str(error)[:80]}") from None
    return trace_from_dict(data)


def _require(data: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise TraceFormatError(f"not a valid trace: {where} has no {key!r}")
    value = data[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        expected = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise TraceFormatError(
            f"not a valid trace: {where}.{key} should be {expected}, not {type(value).__name__}"
        )
    if isinstance(value, str) and len(value) > MAX_STRING:
        raise TraceFormatError(f"not a valid trace: {where}.{key} is longer than {MAX_STRING}")
    if isinstance(value, list) and len(value) > MAX_ITEMS:
        raise TraceFormatError(f"not a valid trace: {where}.{key} has more than {MAX_ITEMS} items")
    return value


_TYPES: dict[Any, type | tuple[type, ...]] = {
    int: int,
    float: float,
    str: str,
    bool: bool,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
}


def _field_specs(cls: type) -> list[tuple[str, Any]]:
    """(name, type) of a record class: a dataclass or a NamedTuple."""
    if hasattr(cls, "_fields"):  # NamedTuple: annotations may be ForwardRefs or strings
        return [
            (name, getattr(kind, "__forward_arg__", kind))
            for name, kind in cls.__annotations__.items()
        ]
    return [(item.name, item.type) for item in fields(cls)]


def _locals_pairs(data: Any, where: str) -> CapturedLocals:
    pairs = _require(data, "locals", list, where)
    names, values = [], []
    for pair in pairs:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(x, str) and len(x) <= MAX_STRING for x in pair)
        ):
            raise TraceFormatError(f"not a valid trace: {where}.locals holds a bad pair")
        names.append(pair[0])
        values.append(Rendered(pair[1]))
    return shared_names(tuple(names)), tuple(values)


def _record(cls: type, data: Any, where: str, enums: dict[str, type] | None = None) -> Any:
    if not isinstance(data, dict):
        raise TraceFormatError(f"not a valid trace: {where} is not an object")
    values: dict[str, Any] = {}
    for name, annotation in _field_specs(cls):
        if name == "captured_locals":
            values[name] = _locals_pairs(data, where)
        elif name == "captured_chain":
            values[name] = (Rendered(_require(data, "chain", str, where)),)
        elif enums and name in enums:
            raw = _require(data, name, str, where)
            try:
                values[name] = enums[name](raw)
            except ValueError:
                raise TraceFormatError(
                    f"not a valid trace: {where}.{name} {raw[:40]!r} is unknown"
                ) from None
        else:
            values[name] = _require(data, name, _TYPES.get(annotation, str), where)
    return cls(**values)


def trace_from_dict(data: Any) -> Trace:
    """Build a Trace from loaded JSON, validating as it goes."""
    if not isinstance(data, dict):
        raise TraceFormatError("not a trace: the top level is not an object")
    if data.get("format") != FORMAT_NAME:
        raise TraceFormatError(f"not an orm-viz trace (format should be {FORMAT_NAME!r})")
    version = data.get("version")
    if version != FORMAT_VERSION:
        raise TraceFormatError(
            f"unsupported trace version {str(version)[:20]}; this orm-viz reads version "
            f"{FORMAT_VERSION}"
        )
    scenario = _record(ScenarioInfo, _require(data, "scenario", dict, "trace"), "scenario")
    environment = _require(data, "environment", dict, "trace")
    settings = _require(data, "settings", dict, "trace")
    trace = Trace(
        scenario=scenario,
        environment={str(k)[:100]: str(v)[:200] for k, v in environment.items()},
        max_steps=max(1, len(_require(data, "steps", list, "trace"))),
    )
    trace.settings.update({str(k)[:100]: v for k, v in settings.items() if _scalar(v)})
    trace.lesson = _lesson(data.get("lesson", {}))
    steps = [
        _record(Step, item, f"steps[{i}]", {"kind": StepKind})
        for i, item in enumerate(data["steps"])
    ]
    dropped = _require(data, "dropped_steps", int, "trace")
    if any(step.index != dropped + i for i, step in enumerate(steps)):
        raise TraceFormatError("not a valid trace: step indices do not follow dropped_steps")
    trace.load_steps(steps, dropped)
    events = [
        _record(Event, item, f"events[{i}]", {"kind": EventKind})
        for i, item in enumerate(_require(data, "events", list, "trace"))
    ]
    # Views find a step's events by bisecting on ``step``: keep them in step order.
    trace.events.extend(sorted(events, key=lambda event: event.step))
    trace.dropped_events = _require(data, "dropped_events", int, "trace")
    for pair in data.get("released", []):
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and type(pair[0]) is int
            and isinstance(pair[1], int | float)
            and not isinstance(pair[1], bool)
        ):
            raise TraceFormatError("not a valid trace: released holds a bad [step, time] pair")
        trace.release_times[pair[0]] = float(pair[1])
    for i, item in enumerate(_require(data, "tasks", list, "trace")):
        task = _record(TaskRecord, item, f"tasks[{i}]")
        trace.tasks[task.id] = task
    for i, item in enumerate(_require(data, "jobs", list, "trace")):
        job = _record(JobRecord, item, f"jobs[{i}]")
        trace.jobs[job.id] = job
    for i, item in enumerate(_require(data, "queries", list, "trace")):
        query = _record(QueryRecord, item, f"queries[{i}]")
        trace.queries[query.id] = query
    trace.outcome = _require(data, "outcome", str, "trace")[:200]
    trace.finished = bool(_require(data, "finished", bool, "trace"))
    trace.jump(trace.first_index)
    return trace


def _strings(value: Any, where: str, limit: int = 1000) -> list[str]:
    if not isinstance(value, list) or len(value) > limit:
        raise TraceFormatError(f"not a valid trace: {where} should be a list of strings")
    if not all(isinstance(item, str) and len(item) <= 10_000 for item in value):
        raise TraceFormatError(f"not a valid trace: {where} should be a list of strings")
    return list(value)


def _lesson(data: Any) -> dict[str, Any]:
    """Validate the lesson part: only the shapes the views read."""
    if not isinstance(data, dict):
        raise TraceFormatError("not a valid trace: lesson is not an object")
    lesson: dict[str, Any] = {}
    if "title" in data:
        lesson["title"] = _require(data, "title", str, "lesson")[:500]
    if "snapshot" in data:
        lesson["snapshot"] = _strings(data["snapshot"], "lesson.snapshot")
    moments = []
    for i, item in enumerate(
        _require(data, "key_moments", list, "lesson") if "key_moments" in data else []
    ):
        where = _require(item, "where", dict, f"lesson.key_moments[{i}]")
        if not all(isinstance(k, str) and _scalar(v) for k, v in where.items()):
            raise TraceFormatError(f"not a valid trace: lesson.key_moments[{i}].where is not flat")
        moments.append(
            {
                "text": _require(item, "text", str, f"lesson.key_moments[{i}]"),
                "where": dict(where),
                "which": _require(item, "which", str, f"lesson.key_moments[{i}]"),
            }
        )
    lesson["key_moments"] = moments
    questions = []
    for i, item in enumerate(_require(data, "quiz", list, "lesson") if "quiz" in data else []):
        where = f"lesson.quiz[{i}]"
        question = {
            "question": _require(item, "question", str, where),
            "choices": _strings(_require(item, "choices", list, where), f"{where}.choices", 8),
            "answer": _require(item, "answer", str, where),
            "hint": _require(item, "hint", str, where),
        }
        if question["answer"] not in question["choices"]:
            raise TraceFormatError(f"not a valid trace: {where}.answer is not one of its choices")
        questions.append(question)
    lesson["quiz"] = questions
    return lesson


def _scalar(value: Any) -> bool:
    return value is None or (isinstance(value, str | int | float | bool) and len(str(value)) < 1000)
