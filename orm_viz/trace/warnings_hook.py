"""Warnings raised inside a run become events of its trace.

The one that matters most here is Python's "coroutine ... was never awaited"
(a forgotten ``await``): it is emitted when the coroutine object is freed, in
whatever thread frees it. While a run's thread is registered, warnings raised
on it are recorded as ``warning`` events instead of being printed; warnings on
any other thread go to the previous ``warnings.showwarning`` untouched.
"""

from __future__ import annotations

import threading
import warnings
from typing import TYPE_CHECKING, Any

from orm_viz.trace.records import EventKind

if TYPE_CHECKING:
    from orm_viz.trace.tracer import Tracer

_runs: dict[int, Tracer] = {}
_lock = threading.Lock()
_previous: Any = None


def _show(message: Any, category: type[Warning], filename: str, lineno: int, *rest: Any) -> None:
    tracer = _runs.get(threading.get_ident())
    if tracer is None:
        _previous(message, category, filename, lineno, *rest)
        return
    tracer.event(EventKind.WARNING, text=f"{category.__name__}: {message}", line=lineno)


def watch(tracer: Tracer) -> None:
    """Record warnings raised on the calling thread into ``tracer`` until :func:`unwatch`."""
    global _previous
    with _lock:
        if _previous is None:
            _previous = warnings.showwarning
            warnings.showwarning = _show
            # Shown every time, not once per location: each run must see its own.
            warnings.filterwarnings("always", message="coroutine .* was never awaited")
        _runs[threading.get_ident()] = tracer


def unwatch() -> None:
    with _lock:
        _runs.pop(threading.get_ident(), None)
