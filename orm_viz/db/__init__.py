"""Database side of a run: Django and aiosqlite instrumentation, and the demo database.

Importing this package imports nothing heavy; each module imports its library.
"""
