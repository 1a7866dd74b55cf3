"""Warnings raised inside a run become events of its trace.

The one that matters most here is Python's "coroutine ... was never awaited"
(a forgotten ``await``): it is emitted when the coroutine object is freed, in
whatever thread frees it. While a run's thread is registered, warnings raised
on it are recorded as ``warning`` events instead of being printed; warnings on
any other thread go to the previous ``warnings.showwarning`` untouched.
"""

from __future__ import annotations

import sys
import threading
import warnings
from typing import TYPE_CHECKING, Any

from orm_viz.trace.records import EventKind

if TYPE_CHECKING:
    from orm_viz.trace.tracer import Tracer

# Frames kept of where each coroutine was made. Two reach the user's line through a
# Manager's method (``User.objects.acount()`` makes the coroutine in ``manager_method``).
# Every coroutine the run makes pays for each frame (its line is looked up then): at 8,
# 80,000 instructions per ``acount()``, a third of the tracer's cost per query; at 2, 14,000.
ORIGIN_DEPTH = 2

_runs: dict[int, Tracer] = {}
_lock = threading.Lock()
_previous: Any = None
_previous_unawaited: Any = None


def _unawaited(coro: Any) -> None:
    """Replaces ``warnings._warn_unawaited_coroutine``, which the interpreter calls when a
    never-awaited coroutine is freed. Hooked here rather than at ``showwarning`` because
    anything may swap ``showwarning`` (``catch_warnings``, test runners) while a run runs."""
    tracer = _runs.get(threading.get_ident())
    if tracer is None:
        _previous_unawaited(coro)
        return
    origin = getattr(coro, "cr_origin", None) or ()
    line = next((lineno for filename, lineno, _ in origin if tracer.is_user_file(filename)), 0)
    name = getattr(coro, "__qualname__", "?")
    tracer.event(
        EventKind.WARNING, text=f"RuntimeWarning: coroutine '{name}' was never awaited", line=line
    )


def _show(message: Any, category: type[Warning], filename: str, lineno: int, *rest: Any) -> None:
    tracer = _runs.get(threading.get_ident())
    if tracer is None:
        _previous(message, category, filename, lineno, *rest)
        return
    tracer.event(EventKind.WARNING, text=f"{category.__name__}: {message}", line=lineno)


def watch(tracer: Tracer) -> None:
    """Record warnings raised on the calling thread into ``tracer`` until :func:`unwatch`."""
    global _previous, _previous_unawaited
    with _lock:
        if _previous is None:
            _previous = warnings.showwarning
            warnings.showwarning = _show  # type: ignore[assignment]
            _previous_unawaited = getattr(warnings, "_warn_unawaited_coroutine", None)
            if _previous_unawaited is not None:
                warnings._warn_unawaited_coroutine = _unawaited  # type: ignore[attr-defined]
        _runs[threading.get_ident()] = tracer
    # Where each coroutine was created, so a forgotten await points at its line.
    sys.set_coroutine_origin_tracking_depth(ORIGIN_DEPTH)


def unwatch() -> None:
    with _lock:
        _runs.pop(threading.get_ident(), None)
    sys.set_coroutine_origin_tracking_depth(0)
