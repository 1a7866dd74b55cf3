"""The demo database: real migrations, deterministic seed, a template never touched."""

from __future__ import annotations

import hashlib
import sqlite3

from orm_viz.db.demo import ensure_template
from orm_viz.trace import Mode


def digest(path) -> str:  # type: ignore[no-untyped-def]
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_template_has_every_table_and_the_hostile_seed_strings() -> None:
    from demo_db.seed import EMOJI_NAME, LONG_BIO, MARKUP_NAME, RTL_NAME

    template = ensure_template()
    with sqlite3.connect(f"file:{template}?mode=ro", uri=True) as db:
        counts = {
            table: db.execute(f"SELECT COUNT(*) FROM demo_db_{table}").fetchone()[0]
            for table in ("user", "author", "post", "logentry")
        }
        names = {row[0] for row in db.execute("SELECT name FROM demo_db_user")}
        bios = {row[0] for row in db.execute("SELECT bio FROM demo_db_author")}
        migrated = db.execute("SELECT COUNT(*) FROM django_migrations").fetchone()[0]
    assert counts == {"user": 8, "author": 3, "post": 9, "logentry": 6000}
    assert {MARKUP_NAME, EMOJI_NAME, RTL_NAME} <= names
    assert LONG_BIO in bios
    assert len(LONG_BIO) == 1000
    assert migrated == 1


def test_a_scenario_that_writes_leaves_the_template_unchanged(traced) -> None:
    template = ensure_template()
    before = digest(template)
    trace = traced("writes.py", Mode.FREE)
    assert trace.tasks[1].outcome == "returned"
    assert any(q.sql.startswith("INSERT") for q in trace.queries.values())
    assert digest(template) == before


def test_the_seed_is_deterministic() -> None:
    from demo_db import seed

    assert seed.USERS[3] == (seed.MARKUP_NAME, True)
    assert seed.LOG_ENTRIES >= 5000
