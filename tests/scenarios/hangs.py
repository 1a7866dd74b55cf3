"""Never finishes (a test fixture)."""

import asyncio


async def main():
    forever = asyncio.Event()
    await forever.wait()
