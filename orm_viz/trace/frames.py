"""Read where a suspended task is: its await chain and its innermost user frame.

Walks ``cr_await`` / ``gi_yieldfrom`` / ``ag_await`` from the task's coroutine
down to the object the task is really waiting on. Nothing is called on the
objects in the chain; only frame and code attributes are read.
"""

from __future__ import annotations

import functools
import os
import sys
import sysconfig
from dataclasses import dataclass
from types import FrameType
from typing import Any

from orm_viz.trace.render import render_locals

_CHAIN_LIMIT = 12
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(
    {
        os.path.abspath(p)
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        if (p := sysconfig.get_paths().get(key))
    }
    | {_PACKAGE_DIR}
)


@functools.lru_cache(maxsize=4096)
def looks_like_user_code(filename: str) -> bool:
    """True for a real source file outside the standard library, site-packages and orm_viz."""
    if filename.startswith("<") or not os.path.isabs(filename):
        return False
    if "site-packages" in filename or "dist-packages" in filename:
        return False
    return not filename.startswith(_LIBRARY_DIRS) and filename != sys.executable


def is_user_file(filename: str, user_files: frozenset[str]) -> bool:
    """User code is the given files, or, when none are given, anything outside the libraries."""
    return filename in user_files if user_files else looks_like_user_code(filename)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a task is, read from its coroutine chain.

    Attributes:
        line: line of the innermost frame in a user file (0 if none).
        func: qualified name of that frame's function.
        locals: rendered locals of the innermost user *function* frame
            (comprehension frames are skipped so the tracker shows the variables
            the user wrote).
        chain: "outer → inner → awaited object" summary.
    """

    line: int
    func: str
    locals: tuple[tuple[str, str], ...]
    chain: str


def _frame_of(obj: Any) -> FrameType | None:
    for attr in ("cr_frame", "gi_frame", "ag_frame"):
        frame = getattr(type(obj), attr, None)
        if frame is not None:
            value: FrameType | None = getattr(obj, attr)
            return value
    return None


def _awaited_by(obj: Any) -> Any:
    for attr in ("cr_await", "gi_yieldfrom", "ag_await"):
        if getattr(type(obj), attr, None) is not None:
            return getattr(obj, attr)
    return None


def _label(obj: Any) -> str:
    qualname = getattr(type(obj), "__qualname__", "?")
    if _frame_of(obj) is not None or qualname in ("coroutine", "generator", "async_generator"):
        return str(getattr(obj, "__qualname__", qualname))
    if "Task" in qualname or "Future" in qualname:
        return qualname.rsplit(".", 1)[-1]
    return qualname


def read_position(coro: Any, user_files: frozenset[str], fallback_line: int = 0) -> Position:
    """Describe where ``coro`` (a task's coroutine) is suspended.

    Args:
        coro: the coroutine the task runs (not a proxy).
        user_files: absolute filenames counted as user code.
        fallback_line: line to report when no user frame is on the chain
            (e.g. the ``def`` line of a coroutine that has not started).

    Returns:
        The position; never raises.
    """
    labels: list[str] = []
    line, func = 0, ""
    locals_frame: FrameType | None = None
    first_frame: FrameType | None = None
    obj = coro
    for _ in range(_CHAIN_LIMIT):
        if obj is None:
            break
        labels.append(_label(obj))
        frame = _frame_of(obj)
        if frame is not None:
            first_frame = first_frame or frame
            code = frame.f_code
            if is_user_file(code.co_filename, user_files):
                line, func = frame.f_lineno, code.co_qualname
                if not code.co_name.startswith("<"):
                    locals_frame = frame
        obj = _awaited_by(obj)
    if not line:
        line = fallback_line
        if first_frame is not None and is_user_file(first_frame.f_code.co_filename, user_files):
            line = first_frame.f_lineno
    if locals_frame is None and first_frame is not None:
        code = first_frame.f_code
        if is_user_file(code.co_filename, user_files):
            locals_frame = first_frame
            func = func or code.co_qualname
    rendered = render_locals(locals_frame.f_locals) if locals_frame is not None else ()
    return Position(line=line, func=func, locals=rendered, chain=" → ".join(labels))
