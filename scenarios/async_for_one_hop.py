"""`async for` over a QuerySet: one thread hop, then rows with no suspension.

The first iteration runs `QuerySet._fetch_all` in the DB thread (one hop, one
SELECT). Every row after that comes from the QuerySet's cache: the coroutine
does not suspend again.
"""

from demo_db.models import Post

TITLE = "async for over a QuerySet: one hop, then every row without suspending"
SNAPSHOT = [
    "The first step of `async for` sends QuerySet._fetch_all to the DB thread: one hop.",
    "All rows come back at once and are cached; the loop body never suspends again.",
]
KEY_MOMENTS = [
    ("The only hop: all rows are fetched here.", {"kind": "query_result"}),
    ("Back with every row; the loop body runs without another await.", {"data_received": True}),
]
EXPECTED = ("returns", None)


async def main():
    titles = []
    async for post in Post.objects.order_by("id"):
        titles.append(post.title)
    return titles
