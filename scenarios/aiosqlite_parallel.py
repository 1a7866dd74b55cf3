"""aiosqlite: three connections overlap; three queries on one connection do not.

Every aiosqlite connection has its own thread. Three connections run three
queries at the same time (about one latency in all); one connection runs its
queries one after another in its single thread.
"""

import asyncio

import aiosqlite
from django.db import connection

TITLE = "aiosqlite: three connections overlap (≈ L); one connection runs in turn (3 × L)"
LATENCY_MS = 200
TABLES = ("demo_db_user", "demo_db_author", "demo_db_post")
SNAPSHOT = [
    "aiosqlite gives each connection its own thread and queue.",
    "Three connections: three threads, the queries overlap.",
    "One connection: one thread, the queries queue up.",
]
EXPECTED = ("returns", None)


async def count_on(db, table):
    async with db.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
        (rows,) = await cursor.fetchone()
    return rows


async def count_alone(path, table):
    async with aiosqlite.connect(path) as db:
        return await count_on(db, table)


async def main():
    path = connection.settings_dict["NAME"]  # this run's copy of the demo database
    three_connections = await asyncio.gather(*(count_alone(path, t) for t in TABLES))
    async with aiosqlite.connect(path) as db:
        one_connection = await asyncio.gather(*(count_on(db, t) for t in TABLES))
    return three_connections, one_connection
