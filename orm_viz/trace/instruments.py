"""Hooks for libraries that hand work to other threads (Django, aiosqlite).

Shaped like Trio's ``Instrument``: every method is optional and does nothing
by default. The tracer calls them; one that raises is removed from the run and
reported as a ``recorder_error`` event, never propagated into the traced code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orm_viz.trace.tracer import Tracer


class Instrument:
    """Base class: override what you need."""

    name = "instrument"

    def run_started(self, tracer: Tracer) -> None:
        """Called on the run thread once, after the loop exists and before any task runs."""

    def run_context_entered(self, tracer: Tracer) -> None:
        """Called on the loop thread, inside the run's context, just before the scenario starts.

        The scenario's tasks inherit this context, so context-local state set
        here (a Django connection object in async code) is what they see.
        """

    def worker_job_started(self, tracer: Tracer) -> None:
        """Called in a worker thread before each job the run dispatched to it runs.

        This is where per-thread state (a Django connection) gets instrumented,
        so connections opened earlier in that thread are covered too.
        """

    async def run_closing(self, tracer: Tracer) -> None:
        """Awaited in the run's context after the scenario ends, before the loop closes."""

    def run_closed(self, tracer: Tracer) -> None:
        """Called on the run thread after the loop closed: release what is left."""
