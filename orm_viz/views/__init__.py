"""Views: pure functions from a recorded Trace to what the user sees.

Nothing here runs code, queries a database or imports Textual or Django: the
same functions serve the live app, ``orm-viz trace`` and saved traces, so a
view of a saved trace is exactly the view of the live run.
"""
