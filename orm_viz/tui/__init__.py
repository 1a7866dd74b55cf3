"""The full-screen app: Textual widgets that render views of a live or saved trace.

The App composes and binds keys; each widget renders one view (a pure function
of the trace); the run lives in its own thread behind the Controller.
"""
