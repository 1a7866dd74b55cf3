"""The demo database: a small Django app that every orm-viz scenario queries.

Models live in :mod:`demo_db.models`, the deterministic seed data in
:mod:`demo_db.seed`. orm-viz builds a template SQLite file from the migrations
plus the seed once, and gives every run its own copy (see ``orm_viz.db.demo``).
"""
