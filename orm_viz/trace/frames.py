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

from orm_viz.trace.render import CapturedLocals

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


class ChainNode:
    """One await chain seen so far (a node of :attr:`UserCode.chains`, a trie of chains).

    The step hook walks a task's chain down this trie, one code object per level, so it
    gets the facts about each code object and, at the end, the chain as a tuple made once
    and shared by every step with the same chain.

    Attributes:
        chain: code objects, outermost first (and, in a leaf of ``labels``, the name of
            the awaited object's type).
        user: the last code object is user code.
        function: it is a function (not a comprehension): its frame shows the locals.
        children: the chains one await deeper, by ``id(code)`` (the chain holds the code).
        labels: the chain ended by an awaited object that is not a coroutine or a
            generator (a Future, a Task), by its type.
    """

    __slots__ = ("chain", "children", "function", "labels", "user")

    def __init__(self, chain: tuple[Any, ...], user: bool, function: bool) -> None:
        self.chain = chain
        self.user = user
        self.function = function
        self.children: dict[int, ChainNode] = {}
        self.labels: dict[type, tuple[Any, ...]] = {}


class UserCode:
    """Facts about code objects, learned once each: is it user code, is it a function."""

    def __init__(self, user_files: frozenset[str]) -> None:
        self.user_files = user_files
        # id(code) -> (code, is user code, is a function (not a comprehension)).
        # Holding the code keeps its id from being reused.
        self.known: dict[int, tuple[types.CodeType, bool, bool]] = {}
        self.chains = ChainNode((), user=False, function=False)

    def learn(self, code: types.CodeType) -> tuple[types.CodeType, bool, bool]:
        entry = (
            code,
            is_user_file(code.co_filename, self.user_files),
            not code.co_name.startswith("<"),
        )
        self.known[id(code)] = entry
        return entry

    def deeper(self, node: ChainNode, code: types.CodeType) -> ChainNode:
        """The chain of ``node`` one await deeper, in ``code`` (added on first sight).

        May run on two threads at once (the gated path reads positions from DB threads):
        both get the same node.
        """
        entry = self.known.get(id(code)) or self.learn(code)
        child = ChainNode((*node.chain, code), user=entry[1], function=entry[2])
        return node.children.setdefault(id(code), child)

    @staticmethod
    def ended(node: ChainNode, awaited: type) -> tuple[Any, ...]:
        """The chain of ``node`` awaiting an object of type ``awaited`` (added on first sight)."""
        return node.labels.setdefault(awaited, (*node.chain, awaited.__name__))

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


def read_position(
    coro: Any, capture: Callable[[Any], CapturedPosition], fallback_line: int = 0
) -> Position:
    """Where ``coro`` (a task's coroutine, not a proxy) is suspended, read by ``capture``
    (the Tracer's step hook in capture-only form, see ``Tracer.step_hook``)."""
    line, func, captured, chain = capture(coro)
    return Position(line or fallback_line, func, captured, chain)


CapturedPosition = tuple[int, str, CapturedLocals, tuple[Any, ...]]
