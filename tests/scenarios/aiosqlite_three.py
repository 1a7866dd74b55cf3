"""Three aiosqlite connections query at once (a test fixture)."""

import asyncio

import aiosqlite
from django.db import connection


async def count(table):
    async with (
        aiosqlite.connect(connection.settings_dict["NAME"]) as db,
        db.execute(f"SELECT COUNT(*) FROM {table}") as cursor,
    ):
        (n,) = await cursor.fetchone()
    return n


async def main():
    return await asyncio.gather(
        count("demo_db_user"), count("demo_db_author"), count("demo_db_post")
    )
