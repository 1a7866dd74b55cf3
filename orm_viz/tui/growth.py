"""Derivations that read the whole trace, redone as a live trace grows without starving
the app.

Key moments and the quiz are pure functions of the trace, O(steps) each: at
100,000 steps one takes from a quarter of a second to two seconds. A live run records
steps far faster than that, so redoing them on every new step would freeze the screen.
The lanes are kept up to date by a ``LaneIndex``, but drawing them is still linear in
their intervals (about 40 ms at 100,000).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from textual.timer import Timer
from textual.widget import Widget

from orm_viz.tui.state import ViewState


class Derivation:
    """Calls ``derive(state)`` when the trace it read has changed (``key`` differs).

    At once when the last call took at most ``share`` of the time since it ended, for a
    new run (a restart) or another task, when the run has finished, or when it replays a
    saved trace; otherwise once, on a timer, with the newest state then. With
    ``when_shown``, a widget that is not on screen (a hidden tab) is left stale until
    :meth:`shown`.
    """

    def __init__(
        self,
        widget: Widget,
        derive: Callable[[ViewState], None],
        *,
        share: float = 0.1,
        when_shown: bool = False,
    ) -> None:
        self._widget = widget
        self._derive = derive
        self._share = share
        self._when_shown = when_shown
        self._state: ViewState | None = None
        self._key: Hashable = None  # what the last derivation read
        self._wanted: Hashable = None  # what the newest state needs
        self._cost = 0.0  # seconds the last derivation took
        self._ended = float("-inf")  # when it ended (monotonic)
        self._timer: Timer | None = None
        self._derived_for: tuple[int, int] | None = None  # (run, focus) of the last call

    @property
    def stale(self) -> bool:
        return self._wanted != self._key

    def update(self, state: ViewState, key: Hashable) -> None:
        """The state changed; ``key`` names what the derivation reads of it."""
        self._state, self._wanted = state, key
        if not self.stale:
            return
        if self._when_shown and not self._widget.is_on_screen:
            return
        wait = self._cost / self._share - (time.monotonic() - self._ended)
        moved_on = (state.run, state.focus) != self._derived_for
        if wait <= 0 or moved_on or state.finished or not state.live:
            self._run()
        elif self._timer is None:
            self._timer = self._widget.set_timer(wait, self._run)

    def shown(self) -> None:
        """The widget came on screen: catch up."""
        if self._state is not None and self.stale:
            self._run()

    def _run(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        state = self._state
        if state is None:
            return
        started = time.monotonic()
        self._derive(state)
        self._ended = time.monotonic()
        self._cost = self._ended - started
        self._key = self._wanted
        self._derived_for = (state.run, state.focus)
