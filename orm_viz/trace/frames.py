"""Read where a suspended task is: its await chain and its innermost user frame.

Walks ``cr_await`` / ``gi_yieldfrom`` from the task's coroutine down to the
object the task is really waiting on. Nothing is called on the objects in the
chain; only frame and code attributes are read. This runs once per await in
free mode, so it captures (cheaply) and leaves rendering to whoever reads.
"""

from __future__ import annotations

import functools
import os
import sys
import sysconfig
import types
from typing import Any, NamedTuple

from orm_viz.trace.render import capture_locals

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
_COROUTINE = types.CoroutineType
_GENERATOR = types.GeneratorType


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


class UserCode:
    """Answers "is this code object user code?" once per code object."""

    def __init__(self, user_files: frozenset[str]) -> None:
        self.user_files = user_files
        # id(code) -> (code, answer); holding the code keeps its id from being reused.
        self.known: dict[int, tuple[types.CodeType, bool]] = {}

    def learn(self, code: types.CodeType) -> tuple[types.CodeType, bool]:
        entry = (code, is_user_file(code.co_filename, self.user_files))
        self.known[id(code)] = entry
        return entry

    def __call__(self, code: types.CodeType) -> bool:
        entry = self.known.get(id(code))
        return (entry or self.learn(code))[1]


class Position(NamedTuple):
    """Where a task is, captured from its coroutine chain (a tuple: made once per await).

    Attributes:
        line: line of the innermost frame in user code (0 if none).
        func: qualified name of that frame's function.
        locals: captured locals of the innermost user *function* frame
            (comprehension frames are skipped so the tracker shows the variables
            the user wrote); render with ``render_captured_locals``.
        chain: code objects and labels, outermost first; render with ``render_chain``.
    """

    line: int
    func: str
    locals: tuple[tuple[str, Any], ...]
    chain: tuple[Any, ...]


def read_position(coro: Any, is_user: UserCode, fallback_line: int = 0) -> Position:
    """Capture where ``coro`` (a task's coroutine, not a proxy) is suspended. Never raises."""
    return Position._make(capture_position(coro, is_user, fallback_line))


def capture_position(
    coro: Any, is_user: UserCode, fallback_line: int = 0
) -> tuple[int, str, tuple[tuple[str, Any], ...], tuple[Any, ...]]:
    """:func:`read_position` as a plain tuple: the per-await hot path, kept lean on purpose."""
    chain: list[Any] = []
    line, func = 0, ""
    locals_frame = None
    known = is_user.known
    obj = coro
    for _ in range(_CHAIN_LIMIT):
        kind = type(obj)
        if kind is _COROUTINE:
            frame, code, awaited = obj.cr_frame, obj.cr_code, obj.cr_await
        elif kind is _GENERATOR:
            frame, code, awaited = obj.gi_frame, obj.gi_code, obj.gi_yieldfrom
        else:
            if obj is not None:
                chain.append(kind.__name__)
            break
        chain.append(code)
        entry = known.get(id(code))
        if entry is None:
            entry = is_user.learn(code)
        if entry[1] and frame is not None:
            line, func = frame.f_lineno, code.co_qualname
            if code.co_name[0] != "<":
                locals_frame = frame
        obj = awaited
    captured = capture_locals(locals_frame.f_locals) if locals_frame is not None else ()
    return line or fallback_line, func, captured, tuple(chain)
