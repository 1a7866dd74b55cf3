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
from collections.abc import Callable
from typing import Any, NamedTuple

from orm_viz.trace.render import NO_LOCALS, CapturedLocals, capture_locals

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
    """Facts about code objects, learned once each: is it user code, its name, is it a function."""

    def __init__(self, user_files: frozenset[str]) -> None:
        self.user_files = user_files
        # id(code) -> (code, is user code, qualified name, is a function (not a comprehension)).
        # Holding the code keeps its id from being reused.
        self.known: dict[int, tuple[types.CodeType, bool, str, bool]] = {}
        self.capture = make_capture(self)

    def learn(self, code: types.CodeType) -> tuple[types.CodeType, bool, str, bool]:
        entry = (
            code,
            is_user_file(code.co_filename, self.user_files),
            code.co_qualname,
            not code.co_name.startswith("<"),
        )
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
    locals: CapturedLocals
    chain: tuple[Any, ...]


def read_position(coro: Any, is_user: UserCode, fallback_line: int = 0) -> Position:
    """Capture where ``coro`` (a task's coroutine, not a proxy) is suspended. Never raises."""
    line, func, captured, chain = is_user.capture(coro)
    return Position(line or fallback_line, func, captured, chain)


CapturedPosition = tuple[int, str, CapturedLocals, tuple[Any, ...]]


def make_capture(is_user: UserCode) -> Callable[[Any], CapturedPosition]:
    """Build ``capture(coro) -> (line, func, locals, chain)`` for one run.

    This runs on every await in free mode, so it is one closure with its
    lookups bound as locals; the bytecode is the budget here (DESIGN §6).
    Line is 0 when no user frame is on the chain.
    """

    def capture(
        obj: Any,
        known: dict[int, Any] = is_user.known,
        learn: Callable[[types.CodeType], Any] = is_user.learn,
        coroutine: type = _COROUTINE,
        generator: type = _GENERATOR,
    ) -> CapturedPosition:
        chain: list[Any] = []
        append = chain.append
        line, func, locals_frame = 0, "", None
        while True:  # an await chain is finite and acyclic
            kind = type(obj)
            if kind is coroutine:
                code = obj.cr_code
                try:
                    entry = known[id(code)]
                except KeyError:
                    entry = learn(code)
                if entry[1] and (frame := obj.cr_frame) is not None:
                    line, func = frame.f_lineno, entry[2]
                    if entry[3]:
                        locals_frame = frame
                obj = obj.cr_await
            elif kind is generator:
                code = obj.gi_code
                try:
                    entry = known[id(code)]
                except KeyError:
                    entry = learn(code)
                if entry[1] and (frame := obj.gi_frame) is not None:
                    line, func = frame.f_lineno, entry[2]
                    if entry[3]:
                        locals_frame = frame
                obj = obj.gi_yieldfrom
            else:
                if obj is not None:
                    append(kind.__name__)
                break
            append(code)
        if locals_frame is None:
            return line, func, NO_LOCALS, tuple(chain)
        return line, func, capture_locals(locals_frame.f_locals), tuple(chain)

    return capture
