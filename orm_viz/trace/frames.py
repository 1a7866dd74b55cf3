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
        db: the chain is inside a DB await (see :func:`db_await_codes`): a task
            resuming from it may receive a query's rows.
    """

    __slots__ = ("chain", "children", "db", "function", "labels", "user")

    def __init__(self, chain: tuple[Any, ...], user: bool, function: bool, db: bool) -> None:
        self.chain = chain
        self.user = user
        self.function = function
        self.db = db
        self.children: dict[int, ChainNode] = {}
        self.labels: dict[type, tuple[Any, ...]] = {}


class UserCode:
    """Facts about code objects, learned once each: is it user code, is it a function."""

    def __init__(self, user_files: frozenset[str]) -> None:
        self.user_files = user_files
        # id(code) -> (code, is user code, is a function (not a comprehension)).
        # Holding the code keeps its id from being reused.
        self.known: dict[int, tuple[types.CodeType, bool, bool]] = {}
        self.chains = ChainNode((), user=False, function=False, db=False)

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
        # A code object exists once its module is loaded, so the DB awaits are known by now.
        db = node.db or id(code) in db_await_codes()
        child = ChainNode((*node.chain, code), user=entry[1], function=entry[2], db=db)
        return node.children.setdefault(id(code), child)

    @staticmethod
    def ended(node: ChainNode, awaited: type) -> tuple[Any, ...]:
        """The chain of ``node`` awaiting an object of type ``awaited`` (added on first sight)."""
        return node.labels.setdefault(awaited, (*node.chain, awaited.__name__))

    def __call__(self, code: types.CodeType) -> bool:
        entry = self.known.get(id(code))
        return (entry or self.learn(code))[1]


# id(code) -> code (held, so its id is not reused). Looked up by id: hashing a code object
# hashes its bytecode, constants and names.
_DB_AWAITS: dict[int, types.CodeType] = {}


def db_await_codes() -> dict[int, types.CodeType]:
    """Code of the coroutines a task is in while it awaits a DB call (asgiref's
    ``SyncToAsync.__call__``, aiosqlite's ``Connection._execute``), by id, as far as they
    are loaded."""
    if len(_DB_AWAITS) < 2:
        asgiref = sys.modules.get("asgiref.sync")
        if asgiref is not None:
            code = asgiref.SyncToAsync.__call__.__code__
            _DB_AWAITS[id(code)] = code
        core = sys.modules.get("aiosqlite.core")
        if core is not None:
            code = core.Connection._execute.__code__
            _DB_AWAITS[id(code)] = code
    return _DB_AWAITS


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


CapturedPosition = tuple[int, str, CapturedLocals, tuple[Any, ...]]
