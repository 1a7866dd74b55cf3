"""`aiterator(chunk_size=...)` over 6,000 rows: one thread hop per chunk.

Unlike `async for` over a QuerySet (one hop, every row cached), `aiterator()`
streams: each chunk is one hop to the DB thread, which reads the next rows from
the same open cursor. Memory stays at one chunk; the loop gets control back
between chunks.
"""

from demo_db.models import LogEntry

TITLE = "aiterator(chunk_size=2000) over 6,000 rows: one hop per chunk"
CHUNK_SIZE = 2000
SNAPSHOT = [
    "aiterator() reads in chunks: one thread hop per chunk, one SELECT in all.",
    "6,000 rows in chunks of 2,000: three full chunks, then one hop that finds the end.",
    "Between hops the loop is free; only one chunk is held in memory.",
]
KEY_MOMENTS = [
    ("The first chunk: the SELECT runs and the first rows are read.", {"kind": "query_result"}),
    ("The last hop finds no more rows.", {"kind": "query_result"}, "last"),
]
EXPECTED = ("returns", None)


async def main():
    seen = 0
    async for _entry in LogEntry.objects.order_by("id").aiterator(chunk_size=CHUNK_SIZE):
        seen += 1
    return seen
